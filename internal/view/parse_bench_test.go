package view

import "testing"

// A dashboard's view query, as JSON.stringify sends it.
const benchViewQuery = `{"endpoint":{"version":"v1","resource":"pods"},"lists":[{"cluster":"c","namespace":""}],` +
	`"where":{"labelSelector":"app=web","fields":{"status.phase":["Running","Pending"]},"text":"web","textIn":["node"]},` +
	`"sort":[{"by":"name","desc":false}],"window":{"offset":0,"limit":50},` +
	`"columns":{"node":"spec.nodeName","phase":"status.phase","restarts":"status.containerStatuses[*].restartCount|sum"},"countBy":"phase"}`

func BenchmarkParseSpec(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s, err := ParseSpec(benchViewQuery)
		if err != nil {
			b.Fatal(err)
		}
		_ = SpecKey(s)
	}
}
