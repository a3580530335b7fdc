package view

import (
	"strings"
	"testing"
	"time"
)

func BenchmarkZZParts(b *testing.B) {
	v, _ := loaded(b, 100_000, benchQuery)
	all := make([]*node, 0, len(v.nodes))
	walk(v.tree.root, func(n *node) { all = append(all, n) })
	var tm, tr, tf, tw, tx time.Duration
	for b.Loop() {
		t0 := time.Now()
		k := 0
		for _, n := range all {
			n.match = n.rest && strings.Contains(n.hay, "12")
			if n.match {
				k++
			}
		}
		t1 := time.Now()
		recount(v.tree.root)
		t2 := time.Now()
		v.c.text = "12"
		v.oldRefilter(v.tree.root, false, true)
		t5 := time.Now()
		v.refilterText(v.tree.root, false)
		tx += time.Since(t5)
		t3 := time.Now()
		walk(v.tree.root, func(n *node) {})
		t4 := time.Now()
		tm += t1.Sub(t0)
		tr += t2.Sub(t1)
		tf += t3.Sub(t2)
		tw += t4.Sub(t3)
	}
	n := float64(b.N) * 1e6
	b.ReportMetric(float64(tm)/n, "match-ms")
	b.ReportMetric(float64(tr)/n, "recount-ms")
	b.ReportMetric(float64(tf)/n, "refilter-ms")
	b.ReportMetric(float64(tw)/n, "walk-ms")
	b.ReportMetric(float64(tx)/n, "new-ms")
}

func (v *View) oldRefilter(n *node, narrow, textOnly bool) {
	if n == nil || narrow && n.hits == 0 {
		return
	}
	v.oldRefilter(n.left, narrow, textOnly)
	v.oldRefilter(n.right, narrow, textOnly)
	if textOnly {
		n.match = n.rest && v.matchesText(&n.rec)
	} else {
		v.match(&n.rec)
	}
	n.fix()
	v.counted(n, 1)
}
