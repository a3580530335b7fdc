package view

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/labels"
)

// labelSets are the label sets every selector is matched against, here and
// in FuzzSelector.
var labelSets = []map[string]string{
	nil,
	{"app": "web"},
	{"app": "db", "tier": "back"},
	{"app": "", "n": "5"},
	{"example.com/role": "x", "n": "-3", "in": "notin"},
	{"a": "b", "n": "12", "env": "prod", "tier": "front"},
}

// agree checks that parseSelector accepts what labels.Parse accepts and
// matches each label set as it does.
func agree(t *testing.T, text string) {
	t.Helper()
	want, wantErr := labels.Parse(text)
	got, err := parseSelector(text)
	require.Equal(t, wantErr == nil, err == nil, "%q: labels.Parse says %v, we say %v", text, wantErr, err)
	if err != nil {
		return
	}
	assert.Equal(t, want.Empty(), got.empty(), "%q empty", text)
	for _, ls := range labelSets {
		assert.Equal(t, want.Matches(labels.Set(ls)), got.matches(makeLabelSet(ls)), "%q on %v", text, ls)
	}
}

func TestSelectorAgreesWithApimachinery(t *testing.T) {
	t.Parallel()
	for _, text := range selectorSeeds {
		t.Run(text, func(t *testing.T) { agree(t, text) })
	}
}

var selectorSeeds = []string{
	"", "  ", "app", "!app", "app=web", "app==web", "app!=web", "app = web", "app=", "app!=", "app=,tier",
	"app in (web,db)", "app notin (web)", "app in ()", "app in (,)", "app in (web,)", "app in (,web)", "app in (a,,b)",
	"app in (web", "app in web", "app in (web db)", "tier,app=db", "app,", ",app", "app,,tier", "!app=web", "!app in (x)",
	"!", "!!app", "n>3", "n<10", "n>x", "n>", "n>-4", "n<=3", "n>=3", "app===web", "app!==web", "app=(", "app=)",
	"in=notin", "in in (in)", "notin", "notin notin (notin)", "example.com/role=x", "Example.com/role=x", "/role", "a/",
	"a/b/c", "-a", "a-", "a_b.c-d", "app=web-", "app=-web", "app=we\"b", "app=wéb", "app=web\tz", "a\nb", "app in (x),n<0",
	"0123456789012345678901234567890123456789012345678901234567890123=x", "a=0123456789012345678901234567890123456789012345678901234567890123",
	"app in (web),app notin (db),!legacy,n>1", "a,b,c", "a b", "a=b c", "a=b,c=d,", "(", ")", "=", "a(b)", "a=b)", "tier in (front,back) , app",
}

// FuzzSelector: parseSelector agrees with labels.Parse on any input.
func FuzzSelector(f *testing.F) {
	for _, s := range selectorSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) { agree(t, text) })
}
