package validate

import (
	networking "istio.io/api/networking/v1alpha3"

	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/diag"
	"github.com/wasmgen/wasmgen/yamltree"
)

// Istio's analyzer codes (pkg/config/analysis/msg/messages.yaml), from istioctl
// analyze's EnvoyPatchAnalyzer (pkg/config/analysis/analyzers/envoyfilter).
const (
	CodeRelativeOp      = "IST0151"
	CodeReplaceOp       = "IST0152"
	CodeAddOp           = "IST0153"
	CodeRemoveOp        = "IST0154"
	CodeRelativeVersion = "IST0155"
)

// analyzePatch applies the per-patch part of EnvoyPatchAnalyzer, and records what
// its cross-document part (relativeOrder) compares.
func analyzePatch(pp *patchPass) bool {
	op, applyTo := pp.op(), pp.cp.GetApplyTo()
	name := ""
	if n := member(pp.vv, "name"); n != nil {
		name = n.Text
	} else {
		name = pp.cp.GetMatch().GetListener().GetFilterChain().GetFilter().GetName()
	}
	vp := pp.valuePath()
	routeLike := applyTo == networking.EnvoyFilter_ROUTE_CONFIGURATION || applyTo == networking.EnvoyFilter_HTTP_ROUTE
	relative := false
	switch op {
	case networking.EnvoyFilter_Patch_ADD:
		if routeLike {
			pp.rep.Errorf(vp, CodeAddOp, "", "The ADD operation will be ignored when applyTo is set to ROUTE_CONFIGURATION, or HTTP_ROUTE.")
		}
	case networking.EnvoyFilter_Patch_REMOVE:
		if routeLike {
			pp.rep.Errorf(vp, CodeRemoveOp, "", "The REMOVE operation will be ignored when applyTo is set to ROUTE_CONFIGURATION, or HTTP_ROUTE.")
		} else {
			relative = true
		}
	case networking.EnvoyFilter_Patch_REPLACE:
		if applyTo != networking.EnvoyFilter_NETWORK_FILTER && applyTo != networking.EnvoyFilter_HTTP_FILTER && applyTo != networking.EnvoyFilter_VIRTUAL_HOST {
			pp.rep.Errorf(vp, CodeReplaceOp, "", "The REPLACE operation is only valid for HTTP_FILTER and NETWORK_FILTER.")
		} else {
			relative = true
		}
	case networking.EnvoyFilter_Patch_INSERT_BEFORE, networking.EnvoyFilter_Patch_INSERT_AFTER:
		relative = true
	}
	// Before 1.11 there is no priority to set, so IST0151's advice cannot be followed.
	if relative && pp.ef.GetPriority() == 0 && pp.opts.Istio.Has(compat.Priority) {
		pp.facts.order = append(pp.facts.order, orderFact{name: name, ix: pp.ix, path: vp})
	}
	if pp.cp.GetMatch().GetProxy().GetProxyVersion() != "" {
		pp.facts.order = append(pp.facts.order, orderFact{versioned: true, name: name})
	}
	return true
}

// orderFact is one step of IST0155's comparison, in document order: a patch that
// matches a proxyVersion, or a relative patch without priority to warn about.
type orderFact struct {
	versioned bool
	name      string
	ix        *yamltree.Locator
	path      string
}

// relativeOrder warns about each relative patch without priority: IST0155 when an
// earlier patch of the same name matches a proxyVersion (the analyzer keeps the
// names of those as it goes through the EnvoyFilters in order), else IST0151.
func relativeOrder(_ Options, fs []*facts) diag.List {
	var l diag.List
	versioned := map[string]bool{}
	for _, f := range fs {
		for _, o := range f.order {
			if o.versioned {
				versioned[o.name] = true
				continue
			}
			code, msg := CodeRelativeOp, "This EnvoyFilter does not have a priority and has a relative patch operation set which can cause the EnvoyFilter not to be applied. Using the INSERT_FIRST of ADD option or setting the priority may help in ensuring the EnvoyFilter is applied correctly."
			if versioned[o.name] {
				code, msg = CodeRelativeVersion, "This EnvoyFilter does not have a priority and has a relative patch operation (NSTERT_BEFORE/AFTER, REPLACE, MERGE, DELETE) and proxyVersion set which can cause the EnvoyFilter not to be applied during an upgrade. Using the INSERT_FIRST or ADD option or setting the priority may help in ensuring the EnvoyFilter is applied correctly."
			}
			l.Add(diag.Finding{Pos: o.ix.Pos(o.path), Path: o.ix.Display(o.path), Severity: diag.Warning, Code: code, Msg: msg})
		}
	}
	return l
}
