// Prints, for each JSON line {"pattern","text"} on stdin, the substrings RE2 (Go's regexp, the engine behind
// Rego's regex builtins) matches, as a JSON array, or {"error": message} when it refuses the pattern: the Go engine
// of the portable-regex differential test. encoding/json decodes a lone surrogate escape as U+FFFD, as OPA does.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
)

type job struct {
	Pattern string `json:"pattern"`
	Text    string `json:"text"`
}

type compiled struct {
	re  *regexp.Regexp
	err error
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	cache := map[string]compiled{}
	for in.Scan() {
		var j job
		if err := json.Unmarshal(in.Bytes(), &j); err != nil {
			panic(err) // the test writes every line; a bad one is a bug in the test
		}
		c, ok := cache[j.Pattern]
		if !ok {
			re, err := regexp.Compile(j.Pattern)
			c = compiled{re, err}
			cache[j.Pattern] = c
		}
		var line []byte
		if c.err != nil {
			line, _ = json.Marshal(map[string]string{"error": c.err.Error()})
		} else {
			matches := c.re.FindAllString(j.Text, -1)
			if matches == nil {
				matches = []string{}
			}
			line, _ = json.Marshal(matches)
		}
		out.Write(line)
		out.WriteByte('\n')
	}
}
