//go:build !amd64

package sgemm

// defaultKernels are the portable Go loops off amd64.
var defaultKernels = portable
