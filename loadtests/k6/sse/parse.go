package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// DefaultMaxEventBytes bounds one line and one event's data unless a request sets maxEventBytes.
// A chat completion chunk is a few hundred bytes; 1 MiB leaves room for large tool-call or
// logprobs payloads while keeping a VU's memory bounded against a server that never ends a line.
const DefaultMaxEventBytes = 1 << 20

// readSize is how much is asked of the connection per read; every event completed by the bytes of
// one read gets that read's timestamp.
const readSize = 32 * 1024

// Event is one dispatched Server-Sent Event.
type Event struct {
	ID   string
	Name string
	Data string
	// Received is when the read that completed the event returned: events that came off the
	// connection together share it, whatever the script does between them.
	Received time.Time
}

// TooLargeError reports a line, or the data of one event, longer than the limit. The stream is
// abandoned at that point: nothing beyond the limit is buffered.
type TooLargeError struct {
	Limit int
	What  string // "line" or "event data"
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("sse: %s longer than %d bytes (maxEventBytes); stream abandoned", e.What, e.Limit)
}

// parser holds the state of the WHATWG "event stream interpretation" between reads.
type parser struct {
	limit   int
	emit    func(Event) bool
	line    []byte // an incomplete line carried over from earlier reads
	data    []byte
	hasData bool
	name    string
	lastID  string
}

// keep bounds the capacity a buffer keeps after use, so one large event does not pin 1 MiB per VU.
const keep = 64 * 1024

func reuse(b []byte) []byte {
	if cap(b) > keep {
		return nil
	}
	return b[:0]
}

// appendCapped is append whose growth never goes past limit (callers check len(b)+len(add) <= limit
// first), so a buffer at the limit holds limit bytes, not the next power of two.
func appendCapped(b, add []byte, limit int) []byte {
	if need := len(b) + len(add); need > cap(b) {
		c := min(max(2*cap(b), need, 512), limit)
		nb := make([]byte, len(b), c)
		copy(nb, b)
		b = nb
	}
	return append(b, add...)
}

// processLine handles one complete line (without its terminator). It returns false when emit asked
// to stop.
func (p *parser) processLine(line []byte, at time.Time) (bool, error) {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(line) == 0 {
		return p.dispatch(at), nil
	}
	if line[0] == ':' { // comment (keep-alive)
		return true, nil
	}
	field, value, found := bytes.Cut(line, []byte{':'})
	if found {
		value = bytes.TrimPrefix(value, []byte{' '})
	}
	switch string(field) {
	case "data":
		extra := len(value)
		if p.hasData {
			extra++
		}
		if len(p.data)+extra > p.limit {
			return false, &TooLargeError{Limit: p.limit, What: "event data"}
		}
		if p.hasData {
			p.data = appendCapped(p.data, []byte{'\n'}, p.limit)
		}
		p.data = appendCapped(p.data, value, p.limit)
		p.hasData = true
	case "event":
		p.name = string(value)
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			p.lastID = string(value)
		}
	}
	return true, nil
}

// dispatch emits the event built so far (an event without data lines is dropped, as the spec says).
func (p *parser) dispatch(at time.Time) bool {
	if !p.hasData {
		p.name = ""
		return true
	}
	ev := Event{ID: p.lastID, Name: p.name, Data: string(p.data), Received: at}
	p.data = reuse(p.data)
	p.hasData = false
	p.name = ""
	return p.emit(ev)
}

// feed consumes the bytes of one read. It returns false when emit asked to stop.
func (p *parser) feed(b []byte, at time.Time) (bool, error) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(p.line)+len(b) > p.limit {
				return false, &TooLargeError{Limit: p.limit, What: "line"}
			}
			p.line = appendCapped(p.line, b, p.limit)
			return true, nil
		}
		// The limit counts the line's bytes before "\n" (a "\r" of a CRLF ending included).
		if len(p.line)+i > p.limit {
			return false, &TooLargeError{Limit: p.limit, What: "line"}
		}
		line := b[:i]
		if len(p.line) > 0 {
			p.line = appendCapped(p.line, line, p.limit)
			line = p.line
		}
		b = b[i+1:]
		more, err := p.processLine(line, at)
		p.line = reuse(p.line)
		if err != nil || !more {
			return false, err
		}
	}
	return true, nil
}

// readEvents parses an SSE stream and calls emit for each event as soon as the read that completes
// it returns, stamped with that read's time. emit returns false to stop reading early. A line or an
// event's data longer than limit (<= 0: DefaultMaxEventBytes) ends the stream with a *TooLargeError
// before more than limit bytes are held. It returns the first read error other than io.EOF.
func readEvents(r io.Reader, limit int, emit func(Event) bool) error {
	if limit <= 0 {
		limit = DefaultMaxEventBytes
	}
	p := &parser{limit: limit, emit: emit}
	buf := make([]byte, readSize)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			more, perr := p.feed(buf[:n], time.Now())
			if perr != nil {
				return perr
			}
			if !more {
				return nil
			}
		}
		if errors.Is(err, io.EOF) {
			// Servers that close without the final newline or blank line still sent a payload.
			at := time.Now()
			if len(p.line) > 0 {
				if more, perr := p.processLine(p.line, at); perr != nil || !more {
					return perr
				}
			}
			p.dispatch(at)
			return nil
		}
		if err != nil {
			return err
		}
	}
}
