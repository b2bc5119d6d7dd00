// Package safetensors reads and writes tensors in Hugging Face's safetensors format.
//
// A file is an 8-byte little-endian header length N, N bytes of JSON
// header mapping each tensor name to {dtype, shape, data_offsets} (plus an
// optional "__metadata__" string map), then the little-endian tensor data.
// Validation follows the reference implementation (huggingface/safetensors,
// Metadata::validate): the header is at most MaxHeaderSize bytes of UTF-8
// JSON, tensors sorted by their begin offset tile the data section exactly
// (no gaps, no overlap, no trailing bytes), and each span equals the shape's
// element count times the dtype's size. On top of that, duplicate names and
// negative dimensions are errors rather than being silently resolved.
package safetensors

import "fmt"

// MaxHeaderSize bounds the JSON header, as the reference does (100 MB), so
// a corrupt length cannot make a reader allocate absurd amounts.
const MaxHeaderSize = 100_000_000

// metadataKey is the reserved header key holding the free-form string map.
const metadataKey = "__metadata__"

// Tensor is a named float32 tensor in row-major order.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Info describes a stored tensor without converting its data.
type Info struct {
	Name  string
	DType string
	Shape []int
	// Begin and End are byte offsets into the data section.
	Begin, End int
}

// numel multiplies dims, failing on negative dims or when the product
// exceeds limit (which also rules out overflow).
func numel(shape []int, limit int) (int, error) {
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in shape %v", d, shape)
		}
		if d == 0 {
			return 0, nil // the reference allows any other dims then
		}
	}
	n := 1
	for _, d := range shape {
		if n > limit/d {
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, limit)
		}
		n *= d
	}
	return n, nil
}
