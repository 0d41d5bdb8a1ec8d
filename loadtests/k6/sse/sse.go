// Package sse is the kit's k6 extension "k6/x/sse": it streams Server-Sent Events over HTTP and
// calls a JS handler per event as the event arrives. k6's own HTTP client buffers the whole body,
// so without this there is no way to time the first token of a streamed LLM response.
//
// The JS surface follows the community xk6-sse extension (sse.open(url, params, fn(client)),
// client.on('open'|'event'|'error', fn), client.close()), so loadtests/llm.js also runs on a k6
// built with that extension. This is an independent implementation built from plain Go modules,
// because the build has to work from the Go module proxy alone.
//
// Beyond xk6-sse: each event carries receivedAt (when its bytes were read off the connection, so
// a burst of events shares one time whatever the handlers cost), and no line or event may exceed
// maxEventBytes (default 1 MiB, a request param): a server that never ends a line fails the
// request instead of growing the VU's memory without bound.
package sse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/js/common"
	"go.k6.io/k6/js/modules"
)

func init() {
	modules.Register("k6/x/sse", new(RootModule))
}

// RootModule is the global module object; one Module instance exists per VU.
type RootModule struct{}

// Module is the per-VU instance of k6/x/sse.
type Module struct {
	vu modules.VU
}

var (
	_ modules.Module   = &RootModule{}
	_ modules.Instance = &Module{}
)

// NewModuleInstance implements modules.Module.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	return &Module{vu: vu}
}

// Exports implements modules.Instance. Only a default export is given; k6 derives the named
// exports from its keys, so both `import sse from` and `import { open } from` work.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Default: map[string]any{"open": m.open}}
}

// maxErrorBody caps how much of a non-2xx body is kept for the script's diagnostics.
const maxErrorBody = 64 * 1024

type params struct {
	method  string
	body    string
	headers map[string]string
	timeout time.Duration
	// maxEventBytes bounds one line and one event's data; a longer one fails the request.
	maxEventBytes int
}

func parseParams(rt *sobek.Runtime, v sobek.Value) (params, error) {
	p := params{method: http.MethodGet, headers: map[string]string{}, timeout: 120 * time.Second, maxEventBytes: DefaultMaxEventBytes}
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return p, nil
	}
	obj := v.ToObject(rt)
	for _, k := range obj.Keys() {
		val := obj.Get(k)
		switch k {
		case "method":
			p.method = strings.ToUpper(val.String())
		case "body":
			p.body = val.String()
		case "headers":
			h := val.ToObject(rt)
			for _, hk := range h.Keys() {
				p.headers[hk] = h.Get(hk).String()
			}
		case "timeout":
			// Accept "90s"-style strings or milliseconds, like k6/http does.
			if s, ok := val.Export().(string); ok {
				d, err := time.ParseDuration(s)
				if err != nil {
					return p, fmt.Errorf("sse.open: bad timeout %q: %w", s, err)
				}
				p.timeout = d
			} else {
				p.timeout = time.Duration(val.ToFloat() * float64(time.Millisecond))
			}
		case "maxEventBytes":
			n := val.ToFloat()
			if n != float64(int64(n)) || n < 1 || n > 1<<30 {
				return p, fmt.Errorf("sse.open: maxEventBytes must be an integer between 1 and %d, got %s", 1<<30, val.String())
			}
			p.maxEventBytes = int(n)
		case "tags":
			// Accepted for compatibility with xk6-sse; this extension emits no metrics of its own.
		default:
			return p, fmt.Errorf("sse.open: unknown param %q (allowed: method, body, headers, timeout, maxEventBytes, tags)", k)
		}
	}
	return p, nil
}

type client struct {
	rt       *sobek.Runtime
	handlers map[string][]sobek.Callable
	closed   bool
}

func (c *client) emit(name string, arg sobek.Value) {
	for _, fn := range c.handlers[name] {
		if _, err := fn(sobek.Undefined(), arg); err != nil {
			common.Throw(c.rt, err) // let a throw in a handler fail the iteration, as in plain JS
		}
	}
}

func (c *client) emitError(msg string) {
	e := c.rt.NewObject()
	_ = e.Set("error", func() string { return msg })
	c.emit("error", e)
}

func (c *client) jsObject() *sobek.Object {
	obj := c.rt.NewObject()
	_ = obj.Set("on", func(name string, fn sobek.Value) {
		cb, ok := sobek.AssertFunction(fn)
		if !ok {
			common.Throw(c.rt, fmt.Errorf("client.on(%q): handler is not a function", name))
		}
		switch name {
		case "open", "event", "error":
		default:
			common.Throw(c.rt, fmt.Errorf("client.on(%q): unknown event (allowed: open, event, error)", name))
		}
		c.handlers[name] = append(c.handlers[name], cb)
	})
	_ = obj.Set("close", func() { c.closed = true })
	return obj
}

// open performs the request synchronously on the VU's goroutine, calling handlers in order;
// it returns {status, headers, body?, error?} once the stream ends or the client closes it.
func (m *Module) open(call sobek.FunctionCall) sobek.Value {
	rt := m.vu.Runtime()
	state := m.vu.State()
	if state == nil {
		common.Throw(rt, errors.New("sse.open can only be called from a VU (not in the init context)"))
	}
	url := call.Argument(0).String()
	p, err := parseParams(rt, call.Argument(1))
	if err != nil {
		common.Throw(rt, err)
	}
	c := &client{rt: rt, handlers: map[string][]sobek.Callable{}}
	if setup, ok := sobek.AssertFunction(call.Argument(2)); ok {
		if _, err := setup(sobek.Undefined(), c.jsObject()); err != nil {
			common.Throw(rt, err)
		}
	}

	result := rt.NewObject()
	_ = result.Set("status", 0)
	fail := func(msg string) sobek.Value {
		_ = result.Set("error", msg)
		c.emitError(msg)
		return result
	}

	ctx, cancel := context.WithTimeout(m.vu.Context(), p.timeout)
	defer cancel()
	var body io.Reader
	if p.body != "" {
		body = bytes.NewBufferString(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.method, url, body)
	if err != nil {
		return fail(err.Error())
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if state.Options.UserAgent.Valid {
		req.Header.Set("User-Agent", state.Options.UserAgent.String)
	}
	for k, v := range p.headers {
		req.Header.Set(k, v)
	}
	// The VU's transport carries k6's dialer: blockHostnames, DNS options, TLS settings and the
	// data_sent/data_received accounting all apply to these requests too.
	transport := state.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		return fail(err.Error())
	}
	defer func() { _ = resp.Body.Close() }()

	_ = result.Set("status", resp.StatusCode)
	headers := map[string]string{}
	for k := range resp.Header {
		headers[k] = resp.Header.Get(k)
	}
	_ = result.Set("headers", headers)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_ = result.Set("body", string(b))
		return fail(fmt.Sprintf("unexpected status %d", resp.StatusCode))
	}

	c.emit("open", sobek.Undefined())
	err = readEvents(resp.Body, p.maxEventBytes, func(e Event) bool {
		if c.closed {
			return false
		}
		obj := rt.NewObject()
		_ = obj.Set("id", e.ID)
		_ = obj.Set("name", e.Name)
		_ = obj.Set("data", e.Data)
		// Milliseconds since the Unix epoch (sub-millisecond precision, comparable with Date.now())
		// at which the bytes completing this event were read; see Event.Received.
		_ = obj.Set("receivedAt", float64(e.Received.UnixNano())/1e6)
		c.emit("event", obj)
		return !c.closed
	})
	if err != nil && !c.closed {
		return fail(err.Error())
	}
	return result
}
