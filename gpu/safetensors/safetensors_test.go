package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// file assembles a safetensors file from a header string and data bytes.
func file(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

func TestRoundTrip(t *testing.T) {
	in := []Tensor{
		{Name: "wte.weight", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, float32(math.Inf(1)), 0, -0.25}},
		{Name: "a.bias", Shape: []int{3}, Data: []float32{7, 8, 9}},
		{Name: "scalar", Shape: []int{}, Data: []float32{42}},
		{Name: "empty", Shape: []int{0, 5}, Data: nil},
	}
	meta := map[string]string{"format": "pt", "step": "12"}
	var buf bytes.Buffer
	if err := Write(&buf, in, meta); err != nil {
		t.Fatal(err)
	}
	if n := binary.LittleEndian.Uint64(buf.Bytes()); n%8 != 0 {
		t.Errorf("header length %d not 8-byte aligned", n)
	}
	f, err := Read(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.bias", "empty", "scalar", "wte.weight"}; !slices.Equal(f.Names(), want) {
		t.Errorf("Names = %v, want %v", f.Names(), want)
	}
	if f.Metadata["format"] != "pt" || f.Metadata["step"] != "12" || len(f.Metadata) != 2 {
		t.Errorf("Metadata = %v", f.Metadata)
	}
	for _, want := range in {
		got, err := f.Get(want.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Shape, want.Shape) || !slices.Equal(got.Data, nonNilF(want.Data)) {
			t.Errorf("%s: got %v %v, want %v %v", want.Name, got.Shape, got.Data, want.Shape, want.Data)
		}
	}
	// Writing is deterministic whatever the input order.
	var again bytes.Buffer
	slices.Reverse(in)
	if err := Write(&again, in, meta); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("Write output depends on input order")
	}
}

func nonNilF(s []float32) []float32 {
	if s == nil {
		return []float32{}
	}
	return s
}

func TestWriteFileReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	in := []Tensor{{Name: "x", Shape: []int{2}, Data: []float32{1, 2}}}
	if err := WriteFile(path, in, nil); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Get("x"); !slices.Equal(got.Data, in[0].Data) {
		t.Errorf("got %v", got.Data)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name    string
		tensors []Tensor
		want    string
	}{
		{"size mismatch", []Tensor{{Name: "w", Shape: []int{2, 2}, Data: []float32{1}}}, `"w": shape [2 2] has 4 elements but data has 1`},
		{"negative dim", []Tensor{{Name: "w", Shape: []int{-1}, Data: nil}}, `"w": negative dimension`},
		{"duplicate", []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}, {Name: "w", Shape: []int{1}, Data: []float32{2}}}, `duplicate tensor "w"`},
		{"reserved", []Tensor{{Name: "__metadata__", Shape: []int{1}, Data: []float32{1}}}, "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(&bytes.Buffer{}, tt.tensors, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	f32x2 := make([]byte, 8)
	hugeLen := binary.LittleEndian.AppendUint64(nil, MaxHeaderSize+1)
	tests := []struct {
		name string
		buf  []byte
		want string
	}{
		{"too short", []byte{1, 2, 3}, "shorter than the 8-byte header length"},
		{"header too large", append(hugeLen, '{', '}'), "exceeds the 100000000-byte limit"},
		{"header beyond file", binary.LittleEndian.AppendUint64(nil, 64), "exceeds the 0 bytes after"},
		{"invalid json", file(`{"a":`, nil), "invalid JSON"},
		{"not object", file(`[1,2]`, nil), "want a JSON object"},
		{"trailing json", file(`{} {}`, nil), "trailing bytes"},
		{"invalid utf8", file("{\"\xff\":1}", nil), "not valid UTF-8"},
		{"unknown dtype", file(`{"w":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}}`, f32x2), `tensor "w": unknown dtype "F31"`},
		{"missing dtype", file(`{"w":{"shape":[2],"data_offsets":[0,8]}}`, f32x2), `tensor "w": missing dtype`},
		{"missing shape", file(`{"w":{"dtype":"F32","data_offsets":[0,8]}}`, f32x2), `tensor "w": missing shape`},
		{"missing offsets", file(`{"w":{"dtype":"F32","shape":[2]}}`, f32x2), `tensor "w": missing data_offsets`},
		{"three offsets", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}`, f32x2), "has 3 values"},
		{"negative dim", file(`{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, f32x2), `tensor "w": negative dimension -2`},
		{"negative offset", file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[-1,8]}}`, f32x2), `tensor "w": invalid entry`},
		{"span mismatch", file(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, f32x2), `tensor "w": data_offsets [0, 8] span 8 bytes, but shape [3] of F32 needs 12`},
		{"reversed offsets", file(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, f32x2), "end before they begin"},
		{"out of range", file(`{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, f32x2), "beyond the 8-byte data section"},
		{"huge shape", file(`{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, f32x2), "more than 8 elements"},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32x2), `tensor "b": data_offsets [4, 8] overlap`},
		{"gap", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32x2), `tensor "a": data_offsets [4, 8] leave a gap`},
		{"trailing data", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32x2), "cover 4 bytes of a 8-byte data section"},
		{"duplicate name", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32x2), `duplicate entry "a"`},
		{"bad metadata", file(`{"__metadata__":{"k":1}}`, nil), "__metadata__ must map strings to strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(tt.buf)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestUnorderedOffsetsAccepted(t *testing.T) {
	// The reference sorts entries by offset, so header order does not matter.
	data := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, math.Float32bits(1)), math.Float32bits(2))
	f, err := Read(file(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, data))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := f.Get("b"); b.Data[0] != 2 {
		t.Errorf("b = %v", b.Data)
	}
}

func TestGetOtherDtypes(t *testing.T) {
	f, err := Read(file(`{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)))
	if err != nil {
		t.Fatal(err)
	}
	if in, ok := f.Info("ids"); !ok || in.DType != "I64" {
		t.Errorf("Info = %+v, %v", in, ok)
	}
	if _, err := f.Get("ids"); err == nil || !strings.Contains(err.Error(), `tensor "ids": dtype I64 cannot be converted`) {
		t.Errorf("err = %v", err)
	}
	if _, err := f.Get("nope"); err == nil || !strings.Contains(err.Error(), `no tensor "nope"`) {
		t.Errorf("err = %v", err)
	}
}

func TestF16(t *testing.T) {
	tests := []struct {
		bits uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc000, -2},
		{0x3555, 0.333251953125},        // 1365/4096
		{0x7bff, 65504},                 // largest normal
		{0x0400, 1.0 / 16384},           // smallest normal, 2^-14
		{0x0001, 1.0 / 16777216},        // smallest subnormal, 2^-24
		{0x03ff, 1023.0 / 16777216},     // largest subnormal
		{0x8001, -1.0 / 16777216},       // negative subnormal
		{0x7c00, float32(math.Inf(1))},  //
		{0xfc00, float32(math.Inf(-1))}, //
	}
	for _, tt := range tests {
		if got := F16ToF32(tt.bits); got != tt.want {
			t.Errorf("F16ToF32(%#04x) = %g, want %g", tt.bits, got, tt.want)
		}
	}
	if got := F16ToF32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("F16ToF32(0x8000) = %g, want -0", got)
	}
	for _, b := range []uint16{0x7e00, 0x7c01, 0xfe00} {
		if got := F16ToF32(b); !math.IsNaN(float64(got)) {
			t.Errorf("F16ToF32(%#04x) = %g, want NaN", b, got)
		}
	}
}

func TestBF16(t *testing.T) {
	tests := []struct {
		bits uint16
		want float32
	}{
		{0x3f80, 1},
		{0xc040, -3},
		{0x3e80, 0.25},
		{0x0001, math.Float32frombits(0x00010000)}, // subnormal
		{0x7f80, float32(math.Inf(1))},
	}
	for _, tt := range tests {
		if got := BF16ToF32(tt.bits); got != tt.want {
			t.Errorf("BF16ToF32(%#04x) = %g, want %g", tt.bits, got, tt.want)
		}
	}
	if !math.IsNaN(float64(BF16ToF32(0x7fc0))) {
		t.Error("BF16 0x7fc0 is not NaN")
	}
}

func TestGetF16BF16(t *testing.T) {
	data := []byte{0x00, 0x3c, 0x00, 0xc0, 0x80, 0x3f} // F16 1, -2; BF16 1
	f, err := Read(file(`{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}  `, data))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := f.Get("h")
	b, _ := f.Get("b")
	if !slices.Equal(h.Data, []float32{1, -2}) || !slices.Equal(b.Data, []float32{1}) {
		t.Errorf("h = %v, b = %v", h.Data, b.Data)
	}
}

func TestGetInt32(t *testing.T) {
	hdr := `{"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},"c":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}`
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	buf := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	buf = append(buf, hdr...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(0xffffffff)) // -1
	buf = binary.LittleEndian.AppendUint32(buf, 256)
	buf = binary.LittleEndian.AppendUint64(buf, 7)
	buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(1))
	f, err := Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got, shape, err := f.GetInt32("a"); err != nil || !slices.Equal(got, []int32{-1, 256}) || !slices.Equal(shape, []int{2}) {
		t.Fatalf("a = %v %v %v", got, shape, err)
	}
	if got, _, err := f.GetInt32("b"); err != nil || !slices.Equal(got, []int32{7}) {
		t.Fatalf("b = %v %v", got, err)
	}
	if _, _, err := f.GetInt32("c"); err == nil {
		t.Fatal("a float tensor read as integers")
	}
	if _, _, err := f.GetInt32("d"); err == nil {
		t.Fatal("a missing tensor read")
	}
}
