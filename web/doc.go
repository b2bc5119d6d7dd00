// Package web exposes a node over HTTP: the JSON API (gin), health and
// metrics endpoints, and write forwarding from followers to the leader.
package web
