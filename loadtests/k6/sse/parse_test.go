package sse

import (
	"errors"
	"strings"
	"testing"
)

func collect(t *testing.T, in string) []Event {
	t.Helper()
	var got []Event
	if err := readEvents(strings.NewReader(in), func(e Event) bool { got = append(got, e); return true }); err != nil {
		t.Fatalf("readEvents: %v", err)
	}
	return got
}

func TestOpenAIStyleStream(t *testing.T) {
	got := collect(t, "data: {\"a\":1}\n\n: keep-alive\n\ndata: {\"a\":2}\r\n\r\ndata: [DONE]\n\n")
	want := []string{`{"a":1}`, `{"a":2}`, "[DONE]"}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Data != w {
			t.Errorf("event %d data = %q, want %q", i, got[i].Data, w)
		}
	}
}

func TestFieldsAndMultilineData(t *testing.T) {
	got := collect(t, "id: 7\nevent: delta\ndata: one\ndata:two\n\nevent: empty\n\n")
	if len(got) != 1 {
		t.Fatalf("got %d events, want 1 (an event without data is dropped): %+v", len(got), got)
	}
	if got[0].ID != "7" || got[0].Name != "delta" || got[0].Data != "one\ntwo" {
		t.Errorf("unexpected event %+v", got[0])
	}
}

func TestUnterminatedLastEventAndEarlyStop(t *testing.T) {
	if got := collect(t, "data: tail"); len(got) != 1 || got[0].Data != "tail" {
		t.Errorf("unterminated last event: %+v", got)
	}
	n := 0
	_ = readEvents(strings.NewReader("data: 1\n\ndata: 2\n\n"), func(Event) bool { n++; return false })
	if n != 1 {
		t.Errorf("emit returning false should stop after 1 event, got %d", n)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestReadErrorIsReturned(t *testing.T) {
	if err := readEvents(failingReader{}, func(Event) bool { return true }); err == nil || err.Error() != "boom" {
		t.Errorf("want read error boom, got %v", err)
	}
}
