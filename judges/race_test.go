//go:build race

package judges_test

// raceDetector is true under -race, which slows the rubric about tenfold:
// the gaming suites then judge every strategy on a third of the prompts
// they use otherwise. They are pure computations, so the race detector has
// nothing to find in the extra prompts; `go test ./judges` without -race
// runs them in full.
const raceDetector = true
