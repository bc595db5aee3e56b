// Per-value seal and unseal cost of Bitnami sealed-secrets (v0.40.0,
// pkg/crypto: RSA-4096-OAEP-SHA256 wraps an AES-256-GCM session key), the
// way its controller and kubeseal call it, for docs/benchmarks.md beside
// sealsync's own per-value figures (bench/seal_bench.cc).
//
//	bitnamicrypto [-n N] [-size BYTES]
//
// Prints one line per operation: "bitnami_seal_us <median of 5 rounds of N>"
// and "bitnami_unseal_us ...", CPU microseconds per value. Run pinned to one core (taskset -c 0) with
// GOMAXPROCS=1 for figures comparable with the single-core C++ benchmark.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"flag"
	"fmt"
	"os"
	"sort"
	"syscall"

	ssv1 "github.com/bitnami/sealed-secrets/pkg/crypto"
)

func main() {
	n := flag.Int("n", 200, "operations per round")
	size := flag.Int("size", 64, "value size in bytes")
	flag.Parse()
	key, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	keys := map[string]*rsa.PrivateKey{"k": key}
	value := bytes.Repeat([]byte{'v'}, *size)
	label := []byte("team-a/db") // strict scope: namespace/name
	sealed, err := ssv1.HybridEncrypt(rand.Reader, &key.PublicKey, value, label)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// CPU time of the whole process (user + system, garbage collector
	// included), as Google Benchmark's CPU column is for the C++ side: on a
	// busy machine wall time would count other processes' turns too.
	cpu := func() float64 {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e3
	}
	round := func(op func() error) float64 {
		t0 := cpu()
		for i := 0; i < *n; i++ {
			if err := op(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		return (cpu() - t0) / float64(*n)
	}
	median := func(op func() error) float64 {
		var rs []float64
		for r := 0; r < 5; r++ {
			rs = append(rs, round(op))
		}
		sort.Float64s(rs)
		return rs[len(rs)/2]
	}
	seal := median(func() error {
		_, err := ssv1.HybridEncrypt(rand.Reader, &key.PublicKey, value, label)
		return err
	})
	unseal := median(func() error {
		out, err := ssv1.HybridDecrypt(rand.Reader, keys, sealed, label)
		if err == nil && !bytes.Equal(out, value) {
			err = fmt.Errorf("round trip gave other bytes")
		}
		return err
	})
	fmt.Printf("bitnami_seal_us %.1f\nbitnami_unseal_us %.1f\n", seal, unseal)
}
