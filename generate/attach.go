package generate

import (
	"fmt"
	"strings"

	typev1beta1 "istio.io/api/type/v1beta1"

	"github.com/wasmgen/wasmgen/compat"
)

// Attachment by reference (spec.targetRefs): what istiod does with each kind, by
// release. Sources: istio/istio pkg/config/validation/validation.go
// (validatePolicyTargetReference, allowedTargetRefs) and
// pilot/pkg/model/policyattachment.go (ShouldAttachPolicy) at each release tag.

// targeted reports whether the filter attaches by targetRefs.
func (b *build) targeted() bool { return len(b.f.Spec.TargetRefs) > 0 }

// istioTargetRefs checks the targetRefs against what istiod of the target release
// admits and attaches, and returns them as Istio's PolicyTargetReferences (nil when
// it reported why they cannot be). kind is the object being built, for messages.
func (b *build) istioTargetRefs(kind string, report func(path, code, hint, format string, args ...any)) []*typev1beta1.PolicyTargetReference {
	v := b.opts.Istio
	s := &b.f.Spec
	ok := true
	if !v.Has(compat.TargetRef) {
		report("spec.targetRefs", CodeTargetRefsIstio, fmt.Sprintf("render for --istio-version %s or later, or select sidecars or gateway pods with selector.matchLabels", compat.TargetRef.Since()),
			"a %s attaches by targetRefs from Istio %s (a single Gateway; several, and other kinds, from %s); this render is for Istio %s",
			kind, compat.TargetRef.Since(), compat.TargetRefs.Since(), v)
		return nil
	}
	if !v.Has(compat.TargetRefs) && len(s.TargetRefs) > 1 {
		report("spec.targetRefs[1]", CodeTargetRefsIstio, fmt.Sprintf("render for --istio-version %s or later, or write one filter per Gateway", compat.TargetRefs.Since()),
			"Istio %s takes a single targetRef; several targetRefs need Istio %s or later", v, compat.TargetRefs.Since())
		ok = false
	}
	if v.Has(compat.TargetRefsCRDRules) && len(s.TargetRefs) > compat.MaxTargetRefs {
		ok = false // schema.Check reported it
	}
	var out []*typev1beta1.PolicyTargetReference
	for i, r := range s.TargetRefs {
		p := fmt.Sprintf("spec.targetRefs[%d]", i)
		t, known := compat.IstioTargetOf(r.Group, r.Kind)
		if !known {
			report(p+".kind", CodeTargetRefsIstio, "target a Gateway, Service, ServiceEntry or GatewayClass, or use --target envoy-gateway for Envoy Gateway's routes",
				"Istio does not attach to a %s: istiod admits %s", r.Kind, strings.Join(v.AllowedTargetRefs(), ", "))
			ok = false
			continue
		}
		if r.SectionName != "" {
			// istio/api type/v1beta1/selector.proto PolicyTargetReference: group,
			// kind, name, namespace; the CRD prunes anything else.
			report(p+".sectionName", CodeTargetRefsIstio, "remove sectionName (it is Envoy Gateway's), or use --target envoy-gateway",
				"an Istio policy's targetRefs have no sectionName: it attaches to the whole %s", r.Kind)
			ok = false
		}
		since := t.Since
		if t.Kind != "Gateway" && !v.Has(compat.TargetRefs) {
			since = compat.TargetRefs
		}
		if !v.Has(since) {
			report(p+".kind", CodeTargetRefsIstio, fmt.Sprintf("render for --istio-version %s or later", since.Since()),
				"istiod attaches to a %s from Istio %s; this render is for Istio %s", r.Kind, since.Since(), v)
			ok = false
			continue
		}
		if r.Kind == "GatewayClass" && b.f.Metadata.Namespace != b.opts.rootNamespace() {
			report("metadata.namespace", CodeTargetRefsIstio, fmt.Sprintf("put the filter in the mesh's root namespace %s (or pass --istio-root-namespace if meshConfig.rootNamespace is another)", b.opts.rootNamespace()),
				"a GatewayClass policy applies only from the mesh's root namespace (%s); istiod ignores it in namespace %s", b.opts.rootNamespace(), b.f.Metadata.Namespace)
			ok = false
		}
		out = append(out, &typev1beta1.PolicyTargetReference{Group: r.Group, Kind: r.Kind, Name: r.Name})
	}
	if !ok {
		return nil
	}
	return out
}
