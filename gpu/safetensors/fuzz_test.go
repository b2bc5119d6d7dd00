package safetensors

import (
	"bytes"
	"maps"
	"math"
	"slices"
	"testing"

	"github.com/agentarena/arena/internal/fuzzseed"
)

// FuzzRead checks that Read never panics and that whatever it accepts
// survives Write and Read again: same names (of the float dtypes), shapes,
// float32 bits and metadata.
func FuzzRead(f *testing.F) {
	var ok bytes.Buffer
	Write(&ok, []Tensor{{Name: "w", Shape: []int{2, 1}, Data: []float32{1, -2}}, {Name: "b", Shape: []int{}, Data: []float32{3}}}, map[string]string{"k": "v"})
	fuzzseed.Add(f, ok.Bytes())
	fuzzseed.Add(f, file(`{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}  `, []byte{0x01, 0x00, 0x00, 0x7e, 0x80, 0x3f}))
	fuzzseed.Add(f, file(`{"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"__metadata__":{}}`, make([]byte, 8)))
	fuzzseed.Add(f, file(`{"a":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}}`, nil))
	fuzzseed.Add(f, file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)))
	fuzzseed.Add(f, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, buf []byte) {
		r, err := Read(buf)
		if err != nil {
			return
		}
		var tensors []Tensor
		for _, name := range r.Names() {
			if tn, err := r.Get(name); err == nil {
				tensors = append(tensors, tn)
			}
		}
		var out bytes.Buffer
		if err := Write(&out, tensors, r.Metadata); err != nil {
			t.Fatalf("Write of an accepted file: %v", err)
		}
		back, err := Read(out.Bytes())
		if err != nil {
			t.Fatalf("Read of a written file: %v", err)
		}
		if !maps.Equal(back.Metadata, r.Metadata) {
			t.Fatalf("metadata %v, want %v", back.Metadata, r.Metadata)
		}
		if len(back.Names()) != len(tensors) {
			t.Fatalf("names %v, want %d tensors", back.Names(), len(tensors))
		}
		for _, want := range tensors {
			got, err := back.Get(want.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Shape, want.Shape) || !slices.EqualFunc(got.Data, want.Data, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
				t.Fatalf("%q: got %v %v, want %v %v", want.Name, got.Shape, got.Data, want.Shape, want.Data)
			}
		}
	})
}
