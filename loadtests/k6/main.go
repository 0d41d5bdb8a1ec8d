// Command k6 is k6 with the kit's SSE extension compiled in (what xk6 would generate).
package main

import (
	k6cmd "go.k6.io/k6/cmd"

	_ "github.com/one-data-studio/platform-kit/tools/k6/sse"
)

func main() {
	k6cmd.Execute()
}
