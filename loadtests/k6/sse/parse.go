package sse

import (
	"bufio"
	"io"
	"strings"
)

// Event is one dispatched Server-Sent Event.
type Event struct {
	ID   string
	Name string
	Data string
}

// readEvents parses an SSE stream (WHATWG "event stream interpretation") and calls emit for each
// event as soon as its terminating blank line arrives, so callers can timestamp events on arrival.
// emit returns false to stop reading early. It returns the first read error other than io.EOF.
func readEvents(r io.Reader, emit func(Event) bool) error {
	br := bufio.NewReaderSize(r, 64*1024)
	var (
		data    strings.Builder
		hasData bool
		ev      Event
		lastID  string
	)
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 || err == nil {
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				// Blank line: dispatch. An event without data lines is dropped, as the spec says.
				if hasData {
					ev.Data = data.String()
					ev.ID = lastID
					if !emit(ev) {
						return nil
					}
				}
				data.Reset()
				hasData = false
				ev = Event{}
			} else if !strings.HasPrefix(line, ":") { // ":" starts a comment (keep-alives)
				field, value, found := strings.Cut(line, ":")
				if found {
					value = strings.TrimPrefix(value, " ")
				}
				switch field {
				case "data":
					if hasData {
						data.WriteByte('\n')
					}
					data.WriteString(value)
					hasData = true
				case "event":
					ev.Name = value
				case "id":
					if !strings.ContainsRune(value, 0) {
						lastID = value
					}
				}
			}
		}
		if err == io.EOF {
			// Servers that close without the final blank line still sent a complete payload.
			if hasData {
				ev.Data = data.String()
				ev.ID = lastID
				emit(ev)
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}
