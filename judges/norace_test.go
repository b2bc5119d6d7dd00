//go:build !race

package judges_test

// raceDetector: see race_test.go.
const raceDetector = false
