;; einconv's GEMM kernels in WebAssembly SIMD (128-bit: f64x2 for float64, f32x4 for float32).
;;
;; Hand-written; `node scripts/build-wasm.js` compiles it (wabt) into gemm_wasm.ts,
;; which is what the package loads. This text uses core SIMD only (f64x2/f32x4
;; mul + add), so it runs on Node 20 without flags. The build script also emits a
;; relaxed-SIMD variant of the same module in which every line marked `;; madd`
;; (c = c + a·b) becomes one `f64x2.relaxed_madd` or `f32x4.relaxed_madd` (a fused
;; multiply-add where the CPU has FMA); the driver picks that variant when `WebAssembly.validate` accepts it.
;;
;; The JS driver (kernel.ts) lays out linear memory; the kernels only see byte
;; addresses and element counts:
;;   packed A  mc×kc in MR=4-row strips: strip s is kc groups of 4 values
;;             A[4s+0, p], A[4s+1, p], A[4s+2, p], A[4s+3, p]   for p = 0 .. kc-1
;;   packed B  kc×nc in NR=4-column strips: strip t is kc groups of 4 values
;;             B[p, 4t+0], B[p, 4t+1], B[p, 4t+2], B[p, 4t+3]   for p = 0 .. kc-1
;;   C block   mc×nc, row-major with row stride ldc ≥ nc doubles (JS uses nc + 4 so
;;             power-of-two widths do not put a block column in one cache set);
;;             `block` overwrites it with packed A · packed B, or adds to it when
;;             $acc ≠ 0 (so JS can sum several KC slices in wasm and add the block
;;             into the real C once).
;;   staged operands and offset tables (optional): a float64 copy of the part of an
;;             operand's storage the task can reach, and its i32 offset tables, which
;;             `pack` gathers strips from (JS gathers them itself otherwise).
;; mc and nc must be multiples of 4 (packs are zero-padded), kc ≥ 1, the pack and
;; C regions 16-byte aligned, and every strip table readable 3 entries past its end.
;;
;; The float32 kernels (`block32`, `$micro32`) use the same layout with 4-byte floats,
;; A in MR=4-row strips and B in NR=8-column strips (strip t: kc groups of 8 values
;; B[p, 8t+0 .. 8t+7]); their C block is float32 with row stride ldc floats; mc must be
;; a multiple of 4 and nc of 8. They accumulate in float32 (as sgemm does): each call
;; sums one KC slice from zero in registers and then adds the old C tile, so a K of
;; many slices is summed blockwise, not in one long float32 running sum.
(module
  ;; The memory is imported, shared and bounded (4 GiB, the wasm32 limit), so worker
  ;; threads can instantiate this same module over the same memory (src/compile/threads/).
  (import "env" "memory" (memory 1 65536 shared))

  ;; 4×4 micro-kernel: C[0..4, 0..4] (at $pc, row stride $ldc bytes) = Σ_p a_p ⊗ b_p
  ;; over one A strip ($pa) and one B strip ($pb), plus the old C tile if $acc ≠ 0.
  ;; The 16 results live in 8 f64x2 accumulators ($cR_01 holds columns 0-1 of row R,
  ;; $cR_23 columns 2-3), which with the two B vectors and one broadcast A value
  ;; fits the 16 SSE/AVX registers.
  ;; (Measured on Node 20 / V8 11.3, AMD Zen 3: ≈18 GFLOP/s in-cache, against 11-17
  ;; for 6×4, 4×6, 8×4, 4×8 and 2×8 tiles and for 2× k-unrolling; pre-duplicated A
  ;; instead of load64_splat made no difference. On the later Intel Xeon machine:
  ;; 20.6 GFLOP/s on 512³, 22-23 inside the kernel; the ceiling of 128-bit SIMD without
  ;; FMA, see bench/README.md "Profiles and ceilings".)
  (func $micro (param $pa i32) (param $pb i32) (param $pc i32) (param $kc i32) (param $ldc i32) (param $acc i32)
    (local $end i32) (local $row i32)
    (local $b01 v128) (local $b23 v128) (local $a v128)
    (local $c0_01 v128) (local $c0_23 v128)
    (local $c1_01 v128) (local $c1_23 v128)
    (local $c2_01 v128) (local $c2_23 v128)
    (local $c3_01 v128) (local $c3_23 v128)
    ;; the A strip is kc × 4 doubles = kc << 5 bytes; v128 locals start at zero
    (local.set $end (i32.add (local.get $pa) (i32.shl (local.get $kc) (i32.const 5))))
    (loop $k
      (local.set $b01 (v128.load (local.get $pb)))
      (local.set $b23 (v128.load offset=16 (local.get $pb)))

      (local.set $a (v128.load64_splat (local.get $pa)))
      (local.set $c0_01 (f64x2.add (local.get $c0_01) (f64x2.mul (local.get $a) (local.get $b01)))) ;; madd
      (local.set $c0_23 (f64x2.add (local.get $c0_23) (f64x2.mul (local.get $a) (local.get $b23)))) ;; madd

      (local.set $a (v128.load64_splat offset=8 (local.get $pa)))
      (local.set $c1_01 (f64x2.add (local.get $c1_01) (f64x2.mul (local.get $a) (local.get $b01)))) ;; madd
      (local.set $c1_23 (f64x2.add (local.get $c1_23) (f64x2.mul (local.get $a) (local.get $b23)))) ;; madd

      (local.set $a (v128.load64_splat offset=16 (local.get $pa)))
      (local.set $c2_01 (f64x2.add (local.get $c2_01) (f64x2.mul (local.get $a) (local.get $b01)))) ;; madd
      (local.set $c2_23 (f64x2.add (local.get $c2_23) (f64x2.mul (local.get $a) (local.get $b23)))) ;; madd

      (local.set $a (v128.load64_splat offset=24 (local.get $pa)))
      (local.set $c3_01 (f64x2.add (local.get $c3_01) (f64x2.mul (local.get $a) (local.get $b01)))) ;; madd
      (local.set $c3_23 (f64x2.add (local.get $c3_23) (f64x2.mul (local.get $a) (local.get $b23)))) ;; madd

      (local.set $pa (i32.add (local.get $pa) (i32.const 32)))
      (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $pa) (local.get $end))))

    ;; With $acc, fold the old C tile into the accumulators before the stores.
    (if (local.get $acc)
      (then
        (local.set $row (i32.add (local.get $pc) (local.get $ldc)))
        (local.set $c0_01 (f64x2.add (local.get $c0_01) (v128.load (local.get $pc))))
        (local.set $c0_23 (f64x2.add (local.get $c0_23) (v128.load offset=16 (local.get $pc))))
        (local.set $c1_01 (f64x2.add (local.get $c1_01) (v128.load (local.get $row))))
        (local.set $c1_23 (f64x2.add (local.get $c1_23) (v128.load offset=16 (local.get $row))))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c2_01 (f64x2.add (local.get $c2_01) (v128.load (local.get $row))))
        (local.set $c2_23 (f64x2.add (local.get $c2_23) (v128.load offset=16 (local.get $row))))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c3_01 (f64x2.add (local.get $c3_01) (v128.load (local.get $row))))
        (local.set $c3_23 (f64x2.add (local.get $c3_23) (v128.load offset=16 (local.get $row))))))
    (v128.store (local.get $pc) (local.get $c0_01))
    (v128.store offset=16 (local.get $pc) (local.get $c0_23))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c1_01))
    (v128.store offset=16 (local.get $pc) (local.get $c1_23))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c2_01))
    (v128.store offset=16 (local.get $pc) (local.get $c2_23))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c3_01))
    (v128.store offset=16 (local.get $pc) (local.get $c3_23)))

  ;; Macro-kernel: C block ($pc, mc×nc, row stride $ldc doubles) = packed A ($pa, mc×kc)
  ;; · packed B ($pb, kc×nc) (+ C block when $acc ≠ 0).
  ;; Column strips outermost so one B strip (kc×4, 8 KiB at kc=256) stays in L1 while
  ;; the A block streams from L2 — the Goto/BLIS loop order.
  (func (export "block") (param $pa i32) (param $pb i32) (param $pc i32) (param $mc i32) (param $nc i32) (param $kc i32) (param $ldc i32) (param $acc i32)
    (local $jr i32) (local $ir i32) (local $strip i32) (local $ldcBytes i32)
    (local.set $ldcBytes (i32.shl (local.get $ldc) (i32.const 3)))
    (local.set $strip (i32.shl (local.get $kc) (i32.const 5))) ;; bytes per 4-wide strip
    (loop $j
      (local.set $ir (i32.const 0))
      (loop $i
        (call $micro
          (i32.add (local.get $pa) (i32.mul (i32.shr_u (local.get $ir) (i32.const 2)) (local.get $strip)))
          (i32.add (local.get $pb) (i32.mul (i32.shr_u (local.get $jr) (i32.const 2)) (local.get $strip)))
          (i32.add (local.get $pc) (i32.shl (i32.add (i32.mul (local.get $ir) (local.get $ldc)) (local.get $jr)) (i32.const 3)))
          (local.get $kc)
          (local.get $ldcBytes)
          (local.get $acc))
        (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
        (br_if $i (i32.lt_u (local.get $ir) (local.get $mc))))
      (local.set $jr (i32.add (local.get $jr) (i32.const 4)))
      (br_if $j (i32.lt_u (local.get $jr) (local.get $nc)))))

  ;; float32 4×8 micro-kernel: C[0..4, 0..8] (float32 at $pc, row stride $ldc bytes)
  ;; = Σ_p a_p ⊗ b_p over one 4-row A strip and one 8-column B strip, plus the old C
  ;; tile if $acc ≠ 0. 8 f32x4 accumulators ($cR_lo = columns 0-3 of row R, $cR_hi
  ;; 4-7), two B vectors and one broadcast A value: 11 of the 16 vector registers,
  ;; the same register budget as the f64x2 4×4 tile but twice the flops per step.
  (func $micro32 (param $pa i32) (param $pb i32) (param $pc i32) (param $kc i32) (param $ldc i32) (param $acc i32)
    (local $end i32) (local $row i32)
    (local $blo v128) (local $bhi v128) (local $a v128)
    (local $c0_lo v128) (local $c0_hi v128)
    (local $c1_lo v128) (local $c1_hi v128)
    (local $c2_lo v128) (local $c2_hi v128)
    (local $c3_lo v128) (local $c3_hi v128)
    ;; the A strip is kc × 4 floats = kc << 4 bytes
    (local.set $end (i32.add (local.get $pa) (i32.shl (local.get $kc) (i32.const 4))))
    (loop $k
      (local.set $blo (v128.load (local.get $pb)))
      (local.set $bhi (v128.load offset=16 (local.get $pb)))

      (local.set $a (v128.load32_splat (local.get $pa)))
      (local.set $c0_lo (f32x4.add (local.get $c0_lo) (f32x4.mul (local.get $a) (local.get $blo)))) ;; madd
      (local.set $c0_hi (f32x4.add (local.get $c0_hi) (f32x4.mul (local.get $a) (local.get $bhi)))) ;; madd

      (local.set $a (v128.load32_splat offset=4 (local.get $pa)))
      (local.set $c1_lo (f32x4.add (local.get $c1_lo) (f32x4.mul (local.get $a) (local.get $blo)))) ;; madd
      (local.set $c1_hi (f32x4.add (local.get $c1_hi) (f32x4.mul (local.get $a) (local.get $bhi)))) ;; madd

      (local.set $a (v128.load32_splat offset=8 (local.get $pa)))
      (local.set $c2_lo (f32x4.add (local.get $c2_lo) (f32x4.mul (local.get $a) (local.get $blo)))) ;; madd
      (local.set $c2_hi (f32x4.add (local.get $c2_hi) (f32x4.mul (local.get $a) (local.get $bhi)))) ;; madd

      (local.set $a (v128.load32_splat offset=12 (local.get $pa)))
      (local.set $c3_lo (f32x4.add (local.get $c3_lo) (f32x4.mul (local.get $a) (local.get $blo)))) ;; madd
      (local.set $c3_hi (f32x4.add (local.get $c3_hi) (f32x4.mul (local.get $a) (local.get $bhi)))) ;; madd

      (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
      (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $pa) (local.get $end))))

    (if (local.get $acc)
      (then
        (local.set $row (i32.add (local.get $pc) (local.get $ldc)))
        (local.set $c0_lo (f32x4.add (local.get $c0_lo) (v128.load (local.get $pc))))
        (local.set $c0_hi (f32x4.add (local.get $c0_hi) (v128.load offset=16 (local.get $pc))))
        (local.set $c1_lo (f32x4.add (local.get $c1_lo) (v128.load (local.get $row))))
        (local.set $c1_hi (f32x4.add (local.get $c1_hi) (v128.load offset=16 (local.get $row))))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c2_lo (f32x4.add (local.get $c2_lo) (v128.load (local.get $row))))
        (local.set $c2_hi (f32x4.add (local.get $c2_hi) (v128.load offset=16 (local.get $row))))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c3_lo (f32x4.add (local.get $c3_lo) (v128.load (local.get $row))))
        (local.set $c3_hi (f32x4.add (local.get $c3_hi) (v128.load offset=16 (local.get $row))))))
    (v128.store (local.get $pc) (local.get $c0_lo))
    (v128.store offset=16 (local.get $pc) (local.get $c0_hi))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c1_lo))
    (v128.store offset=16 (local.get $pc) (local.get $c1_hi))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c2_lo))
    (v128.store offset=16 (local.get $pc) (local.get $c2_hi))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c3_lo))
    (v128.store offset=16 (local.get $pc) (local.get $c3_hi)))

  ;; float32 macro-kernel: C block ($pc, mc×nc float32, row stride $ldc floats) =
  ;; packed A ($pa, mc×kc, 4-row strips) · packed B ($pb, kc×nc, 8-column strips)
  ;; (+ C block when $acc ≠ 0). Same loop order as `block`.
  (func (export "block32") (param $pa i32) (param $pb i32) (param $pc i32) (param $mc i32) (param $nc i32) (param $kc i32) (param $ldc i32) (param $acc i32)
    (local $jr i32) (local $ir i32) (local $aStrip i32) (local $ldcBytes i32)
    (local.set $ldcBytes (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $aStrip (i32.shl (local.get $kc) (i32.const 4))) ;; bytes per 4-row A strip (a B strip is twice that)
    (loop $j
      (local.set $ir (i32.const 0))
      (loop $i
        (call $micro32
          (i32.add (local.get $pa) (i32.mul (i32.shr_u (local.get $ir) (i32.const 2)) (local.get $aStrip)))
          (i32.add (local.get $pb) (i32.mul (i32.shr_u (local.get $jr) (i32.const 2)) (local.get $aStrip)))
          (i32.add (local.get $pc) (i32.shl (i32.add (i32.mul (local.get $ir) (local.get $ldc)) (local.get $jr)) (i32.const 2)))
          (local.get $kc)
          (local.get $ldcBytes)
          (local.get $acc))
        (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
        (br_if $i (i32.lt_u (local.get $ir) (local.get $mc))))
      (local.set $jr (i32.add (local.get $jr) (i32.const 8)))
      (br_if $j (i32.lt_u (local.get $jr) (local.get $nc)))))

  ;; float32 gather of $strips full strips of $width lanes (4 for A, 8 for B): for
  ;; strip s (table entries $x[width·s .. width·s + width-1]) and p = 0 .. $len-1,
  ;; writes the floats src[x[width·s + r] + y[p]] (r = 0 .. width-1) to $dst. A last
  ;; partial strip is left to the JS driver (it packs the zero lanes). Addresses as
  ;; in `pack`, with 4-byte elements. The lane addresses are read once per strip; a
  ;; strip whose lanes are adjacent elements (a row of a contiguous or window-view
  ;; operand, the common case for B) is copied with one 16-byte load and store per 4
  ;; lanes instead of one per lane. $width other than 4 and 8 takes the lane loop.
  (func (export "pack32") (param $src i32) (param $x i32) (param $strips i32) (param $y i32) (param $len i32) (param $dst i32) (param $width i32)
    (local $yp i32) (local $yend i32) (local $off i32) (local $xend i32) (local $lane i32)
    (local $x0 i32) (local $x4 i32) (local $dense i32)
    (local.set $yend (i32.add (local.get $y) (i32.shl (local.get $len) (i32.const 2))))
    (block $done
      (loop $strip
        (br_if $done (i32.le_s (local.get $strips) (i32.const 0)))
        (local.set $xend (i32.add (local.get $x) (i32.shl (local.get $width) (i32.const 2))))
        (local.set $yp (local.get $y))
        ;; $dense: every lane's element offset is one more than the lane before it
        (local.set $dense (i32.or (i32.eq (local.get $width) (i32.const 4)) (i32.eq (local.get $width) (i32.const 8))))
        (local.set $lane (local.get $x))
        (block $checked
          (loop $check
            (br_if $checked (i32.eqz (local.get $dense)))
            (br_if $checked (i32.ge_u (i32.add (local.get $lane) (i32.const 4)) (local.get $xend)))
            (local.set $dense (i32.eq (i32.load offset=4 (local.get $lane)) (i32.add (i32.load (local.get $lane)) (i32.const 1))))
            (local.set $lane (i32.add (local.get $lane) (i32.const 4)))
            (br $check)))
        (local.set $x0 (i32.add (local.get $src) (i32.shl (i32.load (local.get $x)) (i32.const 2))))
        (local.set $x4 (i32.add (local.get $x0) (i32.const 16)))
        (if (i32.and (local.get $dense) (i32.eq (local.get $width) (i32.const 8)))
          (then
            (loop $p8
              (local.set $off (i32.shl (i32.load (local.get $yp)) (i32.const 2)))
              (v128.store (local.get $dst) (v128.load (i32.add (local.get $x0) (local.get $off))))
              (v128.store offset=16 (local.get $dst) (v128.load (i32.add (local.get $x4) (local.get $off))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $yp (i32.add (local.get $yp) (i32.const 4)))
              (br_if $p8 (i32.lt_u (local.get $yp) (local.get $yend)))))
          (else
            (if (local.get $dense)
              (then
                (loop $p4
                  (local.set $off (i32.shl (i32.load (local.get $yp)) (i32.const 2)))
                  (v128.store (local.get $dst) (v128.load (i32.add (local.get $x0) (local.get $off))))
                  (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                  (local.set $yp (i32.add (local.get $yp) (i32.const 4)))
                  (br_if $p4 (i32.lt_u (local.get $yp) (local.get $yend)))))
              (else
                (loop $p
                  (local.set $off (i32.add (local.get $src) (i32.shl (i32.load (local.get $yp)) (i32.const 2))))
                  (local.set $lane (local.get $x))
                  (loop $r
                    (f32.store (local.get $dst) (f32.load (i32.add (local.get $off) (i32.shl (i32.load (local.get $lane)) (i32.const 2)))))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                    (local.set $lane (i32.add (local.get $lane) (i32.const 4)))
                    (br_if $r (i32.lt_u (local.get $lane) (local.get $xend))))
                  (local.set $yp (i32.add (local.get $yp) (i32.const 4)))
                  (br_if $p (i32.lt_u (local.get $yp) (local.get $yend))))))))
        (local.set $x (local.get $xend))
        (local.set $strips (i32.sub (local.get $strips) (i32.const 1)))
        (br $strip))))

  ;; Gathers 4-wide strips: for strip s (table entries $x[4s .. 4s+3]; entries at or
  ;; beyond $count are packed as zeros) and p = 0 .. $len-1, writes the 4 doubles
  ;; src[x[4s+r] + y[p]] (r = 0..3) to $dst, then moves on. With x = A's row table and
  ;; y = A's column table this is packed A; with x = B's column table and y = B's row
  ;; table it is packed B. $src is the byte address of element offset 0 (tables hold
  ;; element offsets, possibly negative); $x and $y are byte addresses of i32 tables.
  (func (export "pack") (param $src i32) (param $x i32) (param $count i32) (param $y i32) (param $len i32) (param $dst i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $yp i32) (local $yend i32) (local $off i32)
    (local.set $yend (i32.add (local.get $y) (i32.shl (local.get $len) (i32.const 2))))
    ;; full strips
    (block $done
      (loop $strips
        (br_if $done (i32.lt_s (local.get $count) (i32.const 4)))
        (local.set $x0 (i32.add (local.get $src) (i32.shl (i32.load (local.get $x)) (i32.const 3))))
        (local.set $x1 (i32.add (local.get $src) (i32.shl (i32.load offset=4 (local.get $x)) (i32.const 3))))
        (local.set $x2 (i32.add (local.get $src) (i32.shl (i32.load offset=8 (local.get $x)) (i32.const 3))))
        (local.set $x3 (i32.add (local.get $src) (i32.shl (i32.load offset=12 (local.get $x)) (i32.const 3))))
        (local.set $yp (local.get $y))
        ;; adjacent lanes (a row of a contiguous or window-view operand): two 16-byte copies per p
        (if (i32.and
              (i32.eq (local.get $x1) (i32.add (local.get $x0) (i32.const 8)))
              (i32.and
                (i32.eq (local.get $x2) (i32.add (local.get $x0) (i32.const 16)))
                (i32.eq (local.get $x3) (i32.add (local.get $x0) (i32.const 24)))))
          (then
            (loop $pd
              (local.set $off (i32.shl (i32.load (local.get $yp)) (i32.const 3)))
              (v128.store (local.get $dst) (v128.load (i32.add (local.get $x0) (local.get $off))))
              (v128.store offset=16 (local.get $dst) (v128.load (i32.add (local.get $x2) (local.get $off))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $yp (i32.add (local.get $yp) (i32.const 4)))
              (br_if $pd (i32.lt_u (local.get $yp) (local.get $yend)))))
          (else
            (loop $p
              (local.set $off (i32.shl (i32.load (local.get $yp)) (i32.const 3)))
              (f64.store (local.get $dst) (f64.load (i32.add (local.get $x0) (local.get $off))))
              (f64.store offset=8 (local.get $dst) (f64.load (i32.add (local.get $x1) (local.get $off))))
              (f64.store offset=16 (local.get $dst) (f64.load (i32.add (local.get $x2) (local.get $off))))
              (f64.store offset=24 (local.get $dst) (f64.load (i32.add (local.get $x3) (local.get $off))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $yp (i32.add (local.get $yp) (i32.const 4)))
              (br_if $p (i32.lt_u (local.get $yp) (local.get $yend))))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $count (i32.sub (local.get $count) (i32.const 4)))
        (br $strips)))
    ;; a last partial strip of 1-3 entries: missing entries alias entry 0 for the
    ;; address (always in range) and store zero
    (if (i32.gt_s (local.get $count) (i32.const 0))
      (then
        (local.set $x0 (i32.add (local.get $src) (i32.shl (i32.load (local.get $x)) (i32.const 3))))
        (local.set $x1 (select
          (i32.add (local.get $src) (i32.shl (i32.load offset=4 (local.get $x)) (i32.const 3)))
          (local.get $x0) (i32.gt_s (local.get $count) (i32.const 1))))
        (local.set $x2 (select
          (i32.add (local.get $src) (i32.shl (i32.load offset=8 (local.get $x)) (i32.const 3)))
          (local.get $x0) (i32.gt_s (local.get $count) (i32.const 2))))
        (local.set $yp (local.get $y))
        (loop $p
          (local.set $off (i32.shl (i32.load (local.get $yp)) (i32.const 3)))
          (f64.store (local.get $dst) (f64.load (i32.add (local.get $x0) (local.get $off))))
          (f64.store offset=8 (local.get $dst) (select
            (f64.load (i32.add (local.get $x1) (local.get $off))) (f64.const 0) (i32.gt_s (local.get $count) (i32.const 1))))
          (f64.store offset=16 (local.get $dst) (select
            (f64.load (i32.add (local.get $x2) (local.get $off))) (f64.const 0) (i32.gt_s (local.get $count) (i32.const 2))))
          (f64.store offset=24 (local.get $dst) (f64.const 0))
          (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
          (local.set $yp (i32.add (local.get $yp) (i32.const 4)))
          (br_if $p (i32.lt_u (local.get $yp) (local.get $yend)))))))
  ;; Matrix-vector product over contiguous runs (the GEMM of a narrow N, see gemv.ts):
  ;;   out[i] = Σ_r Σ_j A[rows[i] + runs[r] + j] · b[r·len + j]
  ;; $a: byte address of A's element offset 0; $rows (m) and $runs (nruns): i32 element
  ;; offsets; $b: nruns·len contiguous doubles; $out: m doubles (overwritten). Per row:
  ;; two f64x2 accumulators over 4-double steps, then a 2-double step, then a scalar tail,
  ;; summed in that fixed order.
  (func (export "gemv") (param $a i32) (param $rows i32) (param $m i32) (param $runs i32) (param $nruns i32) (param $len i32) (param $b i32) (param $out i32)
    (local $i i32) (local $row i32) (local $r i32) (local $p i32) (local $q i32) (local $end i32)
    (local $s0 v128) (local $s1 v128) (local $x v128) (local $y v128) (local $t f64)
    (if (i32.le_s (local.get $m) (i32.const 0)) (then (return)))
    (loop $rowLoop
      (local.set $row (i32.add (local.get $a) (i32.shl (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 3))))
      (local.set $s0 (v128.const f64x2 0 0))
      (local.set $s1 (v128.const f64x2 0 0))
      (local.set $t (f64.const 0))
      (local.set $r (i32.const 0))
      (local.set $q (local.get $b))
      (block $runsDone
        (loop $runLoop
          (br_if $runsDone (i32.ge_s (local.get $r) (local.get $nruns)))
          (local.set $p (i32.add (local.get $row) (i32.shl (i32.load (i32.add (local.get $runs) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 3))))
          (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 3))))
          (block $quadsDone
            (loop $quadLoop
              (br_if $quadsDone (i32.ge_u (local.get $p) (local.get $end)))
              (local.set $x (v128.load (local.get $p)))
              (local.set $y (v128.load (local.get $q)))
              (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $x) (local.get $y)))) ;; madd
              (local.set $x (v128.load offset=16 (local.get $p)))
              (local.set $y (v128.load offset=16 (local.get $q)))
              (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $x) (local.get $y)))) ;; madd
              (local.set $p (i32.add (local.get $p) (i32.const 32)))
              (local.set $q (i32.add (local.get $q) (i32.const 32)))
              (br $quadLoop)))
          (if (i32.and (local.get $len) (i32.const 2))
            (then
              (local.set $x (v128.load (local.get $p)))
              (local.set $y (v128.load (local.get $q)))
              (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $x) (local.get $y)))) ;; madd
              (local.set $p (i32.add (local.get $p) (i32.const 16)))
              (local.set $q (i32.add (local.get $q) (i32.const 16)))))
          (if (i32.and (local.get $len) (i32.const 1))
            (then
              (local.set $t (f64.add (local.get $t) (f64.mul (f64.load (local.get $p)) (f64.load (local.get $q)))))
              (local.set $q (i32.add (local.get $q) (i32.const 8)))))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $runLoop)))
      (local.set $s0 (f64x2.add (local.get $s0) (local.get $s1)))
      (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
        (f64.add (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0))) (local.get $t)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rowLoop (i32.lt_s (local.get $i) (local.get $m)))))
)
