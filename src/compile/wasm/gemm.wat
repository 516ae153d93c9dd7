;; einconv's float64 GEMM macro-kernel in WebAssembly SIMD (128-bit, f64x2).
;;
;; Hand-written; `node scripts/build-wasm.js` compiles it (wabt) into gemm_wasm.ts,
;; which is what the package loads. Only core SIMD is used (f64x2.mul + f64x2.add,
;; no relaxed-simd FMA: Node 20 does not enable relaxed SIMD by default, and on
;; CPUs with separate multiply and add pipes mul+add has the same throughput).
;;
;; Linear memory holds three regions that the JS side (kernel.ts) packs and reads:
;;   packed A  mc×kc in MR=4-row strips: strip s is kc groups of 4 values
;;             A[4s+0, p], A[4s+1, p], A[4s+2, p], A[4s+3, p]   for p = 0 .. kc-1
;;   packed B  kc×nc in NR=4-column strips: strip t is kc groups of 4 values
;;             B[p, 4t+0], B[p, 4t+1], B[p, 4t+2], B[p, 4t+3]   for p = 0 .. kc-1
;;   C block   mc×nc, row-major (row stride nc doubles); `block` OVERWRITES it with
;;             packed A · packed B (JS adds it into the real C through offset tables).
;; mc and nc must be multiples of 4 (JS zero-pads partial strips), kc ≥ 1, and all
;; three regions 16-byte aligned. Addresses and sizes are in bytes / elements as named.
(module
  (memory (export "memory") 1)

  ;; 4×4 micro-kernel: C[0..4, 0..4] (at $pc, row stride $ldc bytes) = Σ_p a_p ⊗ b_p
  ;; over one A strip ($pa) and one B strip ($pb). The 16 results live in 8 f64x2
  ;; accumulators ($cR_01 holds columns 0-1 of row R, $cR_23 columns 2-3), which
  ;; with the two B vectors and one broadcast A value fits the 16 SSE/AVX registers.
  ;; (Measured against 6×4, 4×6, 8×4, 4×8 and 2×8 variants and 2× k-unrolling: on
  ;; V8 11.3 this shape was fastest; the larger ones spill.)
  (func $micro (param $pa i32) (param $pb i32) (param $pc i32) (param $kc i32) (param $ldc i32)
    (local $end i32)
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
      (local.set $c0_01 (f64x2.add (local.get $c0_01) (f64x2.mul (local.get $a) (local.get $b01))))
      (local.set $c0_23 (f64x2.add (local.get $c0_23) (f64x2.mul (local.get $a) (local.get $b23))))

      (local.set $a (v128.load64_splat offset=8 (local.get $pa)))
      (local.set $c1_01 (f64x2.add (local.get $c1_01) (f64x2.mul (local.get $a) (local.get $b01))))
      (local.set $c1_23 (f64x2.add (local.get $c1_23) (f64x2.mul (local.get $a) (local.get $b23))))

      (local.set $a (v128.load64_splat offset=16 (local.get $pa)))
      (local.set $c2_01 (f64x2.add (local.get $c2_01) (f64x2.mul (local.get $a) (local.get $b01))))
      (local.set $c2_23 (f64x2.add (local.get $c2_23) (f64x2.mul (local.get $a) (local.get $b23))))

      (local.set $a (v128.load64_splat offset=24 (local.get $pa)))
      (local.set $c3_01 (f64x2.add (local.get $c3_01) (f64x2.mul (local.get $a) (local.get $b01))))
      (local.set $c3_23 (f64x2.add (local.get $c3_23) (f64x2.mul (local.get $a) (local.get $b23))))

      (local.set $pa (i32.add (local.get $pa) (i32.const 32)))
      (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $pa) (local.get $end))))

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

  ;; Macro-kernel: C block ($pc, mc×nc) = packed A ($pa, mc×kc) · packed B ($pb, kc×nc).
  ;; Column strips outermost so one B strip (kc×4, 8 KiB at kc=256) stays in L1 while
  ;; the A block streams from L2 — the Goto/BLIS loop order.
  (func (export "block") (param $pa i32) (param $pb i32) (param $pc i32) (param $mc i32) (param $nc i32) (param $kc i32)
    (local $jr i32) (local $ir i32) (local $strip i32) (local $ldc i32)
    (local.set $ldc (i32.shl (local.get $nc) (i32.const 3)))
    (local.set $strip (i32.shl (local.get $kc) (i32.const 5))) ;; bytes per 4-wide strip
    (loop $j
      (local.set $ir (i32.const 0))
      (loop $i
        (call $micro
          (i32.add (local.get $pa) (i32.mul (i32.shr_u (local.get $ir) (i32.const 2)) (local.get $strip)))
          (i32.add (local.get $pb) (i32.mul (i32.shr_u (local.get $jr) (i32.const 2)) (local.get $strip)))
          (i32.add (local.get $pc) (i32.shl (i32.add (i32.mul (local.get $ir) (local.get $nc)) (local.get $jr)) (i32.const 3)))
          (local.get $kc)
          (local.get $ldc))
        (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
        (br_if $i (i32.lt_u (local.get $ir) (local.get $mc))))
      (local.set $jr (i32.add (local.get $jr) (i32.const 4)))
      (br_if $j (i32.lt_u (local.get $jr) (local.get $nc))))))
