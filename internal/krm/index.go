package krm

import (
	"github.com/wasmgen/wasmgen/generate"
	"github.com/wasmgen/wasmgen/schema"
)

// workloadIndex finds the workloads a selector matches without trying every
// filter on every workload: per namespace, a posting list for each label pair.
// A selector looks up its rarest pair and checks the rest on those few.
type workloadIndex struct {
	wl     []generate.Workload
	byNS   map[string][]int
	byPair map[string][]int // "ns\x00key\x00value" → workloads
}

func newWorkloadIndex(wl []generate.Workload) *workloadIndex {
	x := &workloadIndex{wl: wl, byNS: map[string][]int{}, byPair: map[string][]int{}}
	for i, w := range wl {
		x.byNS[w.Namespace] = append(x.byNS[w.Namespace], i)
		for k, v := range w.PodLabels {
			p := pairKey(w.Namespace, k, v)
			x.byPair[p] = append(x.byPair[p], i)
		}
	}
	return x
}

func pairKey(ns, k, v string) string { return ns + "\x00" + k + "\x00" + v }

// match returns the workloads in ns whose pod labels contain sel, in input order.
func (x *workloadIndex) match(ns string, sel map[string]string) []int {
	if len(sel) == 0 {
		return x.byNS[ns]
	}
	var best []int
	first := true
	for k, v := range sel {
		l := x.byPair[pairKey(ns, k, v)]
		if first || len(l) < len(best) {
			best, first = l, false
		}
	}
	var out []int
	for _, i := range best {
		ok := true
		for k, v := range sel {
			if pv, has := x.wl[i].PodLabels[k]; !has || pv != v {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// podPath is where a pod-owning kind keeps its pod template (metadata and spec).
func podPath(kind string) ([]string, bool) {
	w, ok := schema.Workload(kind)
	return w.Template, ok
}
