// Prints, for each JSON line {"pattern","text"} on stdin, the substrings RE2 (Go's regexp, the engine behind
// Rego's regex builtins) matches, as a JSON array: the third engine of the portable-regex differential test.
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

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	cache := map[string]*regexp.Regexp{}
	for in.Scan() {
		var j job
		if err := json.Unmarshal(in.Bytes(), &j); err != nil {
			panic(err)
		}
		re, ok := cache[j.Pattern]
		if !ok {
			re = regexp.MustCompile(j.Pattern)
			cache[j.Pattern] = re
		}
		matches := re.FindAllString(j.Text, -1)
		if matches == nil {
			matches = []string{}
		}
		line, _ := json.Marshal(matches)
		out.Write(line)
		out.WriteByte('\n')
	}
}
