package sse

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"
)

func paramsOf(t *testing.T, js string) (params, error) {
	t.Helper()
	rt := sobek.New()
	v, err := rt.RunString("(" + js + ")")
	if err != nil {
		t.Fatalf("bad test input %s: %v", js, err)
	}
	return parseParams(rt, v)
}

func TestParamsDefaultsAndMaxEventBytes(t *testing.T) {
	p, err := paramsOf(t, `undefined`)
	if err != nil || p.maxEventBytes != DefaultMaxEventBytes || p.timeout != 120*time.Second || p.method != "GET" {
		t.Fatalf("defaults: %+v, %v", p, err)
	}
	p, err = paramsOf(t, `{method: "post", timeout: "5s", maxEventBytes: 4096}`)
	if err != nil || p.maxEventBytes != 4096 || p.timeout != 5*time.Second || p.method != "POST" {
		t.Fatalf("explicit: %+v, %v", p, err)
	}
	for _, bad := range []string{`{maxEventBytes: 0}`, `{maxEventBytes: 1.5}`, `{maxEventBytes: "lots"}`, `{maxEventBytes: 4e9}`} {
		if _, err := paramsOf(t, bad); err == nil || !strings.Contains(err.Error(), "maxEventBytes must be an integer") {
			t.Errorf("%s: want a maxEventBytes error, got %v", bad, err)
		}
	}
	if _, err := paramsOf(t, `{maxEvents: 1}`); err == nil || !strings.Contains(err.Error(), `unknown param "maxEvents"`) {
		t.Errorf("unknown param: %v", err)
	}
}
