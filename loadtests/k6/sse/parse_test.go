package sse

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

func collect(t *testing.T, in string) []Event {
	t.Helper()
	var got []Event
	if err := readEvents(strings.NewReader(in), 0, func(e Event) bool { got = append(got, e); return true }); err != nil {
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
	if got := collect(t, "data: tail\n"); len(got) != 1 || got[0].Data != "tail" {
		t.Errorf("last event without blank line: %+v", got)
	}
	n := 0
	_ = readEvents(strings.NewReader("data: 1\n\ndata: 2\n\n"), 0, func(Event) bool { n++; return false })
	if n != 1 {
		t.Errorf("emit returning false should stop after 1 event, got %d", n)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestReadErrorIsReturned(t *testing.T) {
	if err := readEvents(failingReader{}, 0, func(Event) bool { return true }); err == nil || err.Error() != "boom" {
		t.Errorf("want read error boom, got %v", err)
	}
}

// scripted returns one piece per Read, sleeping before each, so events can be timed per read.
type scripted struct {
	pieces []string
	gap    time.Duration
}

func (s *scripted) Read(b []byte) (int, error) {
	if len(s.pieces) == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.gap)
	n := copy(b, s.pieces[0])
	if n < len(s.pieces[0]) {
		s.pieces[0] = s.pieces[0][n:]
	} else {
		s.pieces = s.pieces[1:]
	}
	return n, nil
}

func TestEventsAreStampedWithTheReadThatCompletedThem(t *testing.T) {
	// Two events in the first read (a burst), the third split across two reads.
	r := &scripted{pieces: []string{"data: a\n\ndata: b\n\ndata: c", "c\n\n"}, gap: 20 * time.Millisecond}
	var got []Event
	if err := readEvents(r, 0, func(e Event) bool { time.Sleep(5 * time.Millisecond); got = append(got, e); return true }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Data != "a" || got[1].Data != "b" || got[2].Data != "cc" {
		t.Fatalf("unexpected events %+v", got)
	}
	// The handler's 5 ms between a and b must not show: both came off the connection together.
	if !got[0].Received.Equal(got[1].Received) {
		t.Errorf("a burst from one read must share its time: %v vs %v", got[0].Received, got[1].Received)
	}
	if d := got[2].Received.Sub(got[1].Received); d < 15*time.Millisecond {
		t.Errorf("the split event completes with the second read, ~20 ms later; got %v", d)
	}
}

func TestLineAtTheLimitIsAcceptedAndOneByteMoreIsNot(t *testing.T) {
	limit := 64
	line := "data: " + strings.Repeat("x", limit-len("data: "))
	var got []Event
	if err := readEvents(strings.NewReader(line+"\n\n"), limit, func(e Event) bool { got = append(got, e); return true }); err != nil {
		t.Fatalf("a line of exactly %d bytes: %v", limit, err)
	}
	if len(got) != 1 {
		t.Fatalf("want 1 event, got %d", len(got))
	}
	err := readEvents(strings.NewReader(line+"x\n\n"), limit, func(Event) bool { return true })
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Limit != limit || tl.What != "line" {
		t.Fatalf("want *TooLargeError{line, %d}, got %v", limit, err)
	}
	if !strings.Contains(err.Error(), "longer than 64 bytes (maxEventBytes)") {
		t.Errorf("error should name the limit and the param: %v", err)
	}
}

func TestEventDataOverManyLinesIsBounded(t *testing.T) {
	// Short lines, but one event that never ends: the data limit, not the line limit, stops it.
	in := strings.Repeat("data: 0123456789\n", 1000)
	err := readEvents(strings.NewReader(in), 1024, func(Event) bool { return true })
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.What != "event data" {
		t.Fatalf("want *TooLargeError{event data}, got %v", err)
	}
}

// endless is a server that sends "data: " and then never ends the line.
type endless struct{ sent int }

func (e *endless) Read(b []byte) (int, error) {
	if e.sent == 0 {
		e.sent = copy(b, "data: ")
		return e.sent, nil
	}
	for i := range b {
		b[i] = 'x'
	}
	e.sent += len(b)
	return len(b), nil
}

func TestEndlessLineFailsWithBoundedMemoryAndReads(t *testing.T) {
	src := &endless{}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := readEvents(src, DefaultMaxEventBytes, func(Event) bool { return true })
	runtime.ReadMemStats(&after)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Limit != DefaultMaxEventBytes {
		t.Fatalf("want *TooLargeError at %d, got %v", DefaultMaxEventBytes, err)
	}
	t.Logf("endless line: stopped after reading %d bytes, allocated %d bytes (limit %d)", src.sent, after.TotalAlloc-before.TotalAlloc, DefaultMaxEventBytes)
	// It stops within one read of the limit...
	if src.sent > DefaultMaxEventBytes+readSize {
		t.Errorf("read %d bytes, want at most limit + one read (%d)", src.sent, DefaultMaxEventBytes+readSize)
	}
	// ...and allocates about twice the limit (doubling up to it), not what the server sent.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3*DefaultMaxEventBytes {
		t.Errorf("allocated %d bytes for a %d-byte limit", alloc, DefaultMaxEventBytes)
	}
}
