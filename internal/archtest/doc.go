// Package archtest holds the test that keeps the import graph the shape
// DESIGN.md gives it: cmd → web → arena → domain, a state machine whose
// imports hold no network client, and a transport that knows no game.
package archtest
