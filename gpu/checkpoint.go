package gpu

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Checkpoint file layout, little-endian throughout:
//
//	"ARENADPO"               8-byte magic
//	version                  uint32 (checkpointVersion)
//	header length            uint32
//	header                   JSON CheckpointHeader
//	policy weights           NumParams float64
//	Adam first moments       NumParams float64
//	Adam second moments      NumParams float64
//	reference weights        NumParams float64, only if HasReference
//	CRC-32 (IEEE)            uint32 of every byte before it
//
// The header is JSON so it can grow fields without a version bump; the
// version changes only when the binary part does. The checksum catches a
// torn or corrupted file, which the atomic rename should already prevent.
const (
	checkpointMagic   = "ARENADPO"
	checkpointVersion = 1
	maxHeaderLen      = 1 << 20
)

// CheckpointHeader describes a checkpoint. Its JSON names are part of the
// file format.
type CheckpointHeader struct {
	Model   ModelConfig   `json:"model"`
	Trainer TrainerConfig `json:"trainer"`
	// Step is the number of optimiser steps taken; AdamSteps the number
	// since Adam last restarted (at FreezeReference).
	Step      int `json:"step"`
	AdamSteps int `json:"adam_steps"`
	// Cursor is the preference-export cursor of the last pair trained on:
	// resuming fetches pairs after it, so none is redone or skipped.
	Cursor string `json:"cursor"`
	// Phase is "dpo" once a reference is frozen, else "sft".
	Phase        Phase `json:"phase"`
	NumParams    int   `json:"num_params"`
	HasReference bool  `json:"has_reference"`
}

// Checkpoint is a loaded checkpoint file.
type Checkpoint struct {
	Header CheckpointHeader
	// Policy is the trained model; Reference the frozen one (nil in SFT).
	Policy, Reference *Model
	AdamM, AdamV      []float64
}

// Save writes the trainer's whole state to path atomically: it writes a
// temporary file in the same directory, syncs it, and renames it over
// path, so a crash leaves either the old checkpoint or the new one.
func (t *Trainer) Save(path string) error {
	h := CheckpointHeader{Model: t.policy.Config, Trainer: t.cfg, Step: t.steps, AdamSteps: t.opt.Steps,
		Cursor: t.cursor, Phase: PhaseSFT, NumParams: len(t.policy.Params), HasReference: t.ref != nil}
	if h.HasReference {
		h.Phase = PhaseDPO
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	defer os.Remove(f.Name()) // no-op after the rename
	crc := crc32.NewIEEE()
	bw := bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<16)
	var buf []byte
	buf = append(buf, checkpointMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, checkpointVersion)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(hdr)))
	buf = append(buf, hdr...)
	bw.Write(buf)
	floats := [][]float64{t.policy.Params, t.opt.M, t.opt.V}
	if t.ref != nil {
		floats = append(floats, t.ref.Params)
	}
	for _, xs := range floats {
		writeFloats(bw, xs)
	}
	err = bw.Flush()
	if err == nil {
		_, err = f.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	// Sync the directory so the rename itself survives a power cut.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func writeFloats(w io.Writer, xs []float64) {
	buf := make([]byte, 0, 8*1024)
	for i, x := range xs {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
		if len(buf) == cap(buf) || i == len(xs)-1 {
			w.Write(buf) // errors surface at Flush: bufio.Writer keeps the first
			buf = buf[:0]
		}
	}
}

// Load reads and verifies a checkpoint file.
func Load(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	ck, err := decodeCheckpoint(data)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	return ck, nil
}

func decodeCheckpoint(data []byte) (*Checkpoint, error) {
	if len(data) < 20 || !bytes.Equal(data[:8], []byte(checkpointMagic)) {
		return nil, errors.New("not a checkpoint file")
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != checkpointVersion {
		return nil, fmt.Errorf("checkpoint version %d, this build reads %d", v, checkpointVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, errors.New("checksum mismatch: the file is truncated or corrupt")
	}
	hlen := int(binary.LittleEndian.Uint32(data[12:]))
	if hlen > maxHeaderLen || 16+hlen > len(body) {
		return nil, fmt.Errorf("header length %d out of range", hlen)
	}
	var h CheckpointHeader
	if err := json.Unmarshal(body[16:16+hlen], &h); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if err := h.Model.Validate(); err != nil {
		return nil, err
	}
	if err := h.Trainer.Validate(); err != nil {
		return nil, err
	}
	n := h.Model.NumParams()
	if h.NumParams != n {
		return nil, fmt.Errorf("header says %d parameters, model config %d", h.NumParams, n)
	}
	count := 3
	if h.HasReference {
		count = 4
	}
	rest := body[16+hlen:]
	if len(rest) != count*n*8 {
		return nil, fmt.Errorf("weights take %d bytes, want %d", len(rest), count*n*8)
	}
	next := func() []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = math.Float64frombits(binary.LittleEndian.Uint64(rest[8*i:]))
		}
		rest = rest[8*n:]
		return xs
	}
	ck := &Checkpoint{Header: h}
	ck.Policy = &Model{Config: h.Model, Params: next()}
	ck.AdamM, ck.AdamV = next(), next()
	if h.HasReference {
		ck.Reference = &Model{Config: h.Model, Params: next()}
	}
	return ck, nil
}

// LoadModel reads only the policy from a checkpoint: what an agent needs
// to sample answers.
func LoadModel(path string) (*Model, error) {
	ck, err := Load(path)
	if err != nil {
		return nil, err
	}
	return ck.Policy, nil
}

// Resume rebuilds the trainer a checkpoint was saved from, on be. Training
// on from it gives the same weights, bit for bit, as never having stopped:
// the optimiser moments and step count come back, and the reference cache
// is recomputed from the restored reference.
func Resume(be Backend, ck *Checkpoint) (*Trainer, error) {
	t, err := NewTrainer(be, ck.Policy, ck.Header.Trainer)
	if err != nil {
		return nil, err
	}
	copy(t.opt.M, ck.AdamM)
	copy(t.opt.V, ck.AdamV)
	t.opt.Steps = ck.Header.AdamSteps
	t.steps = ck.Header.Step
	t.cursor = ck.Header.Cursor
	t.ref = ck.Reference
	return t, nil
}
