// The project's SIMD WebAssembly kernels, as WebAssembly text: this is their source, compiled when the
// wasm backend starts (simd-module.ts, with wabt), so no binary is checked in and what runs is exactly
// what is read here.
//
// Why: the max-pooling gradient and the bias gradients (sums over leading axes) were JavaScript loops
// or XNNPACK calls that repack their operand at every step; in a profile of the reference net they
// were a third of a training step. JavaScript on typed arrays runs one element at a time; 128-bit SIMD
// does four float32 at once.
//
// The module imports the tfjs wasm backend's own memory, so the kernels work on tensors in place:
// every pointer is a byte offset into that heap (a tensor's data as the backend placed it). It has no
// data segments, globals or stack, so it never writes anything but the output it is given.

/** filterGrad's tile: input channels x vectors of four output channels, the accumulators per position. */
const TILE_ROWS = 4;
const TILE_COLUMNS = 2;
/** The nine (row, column) taps of a 3x3 filter, in the filter's order. */
const TAPS_3X3 = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => [i, j]));
const FILTER_GRAD_PARAMS = `(param $x i32) (param $dy i32) (param $dw i32) (param $B i32) (param $Hp i32) (param $Wp i32) (param $Ci i32)
    (param $Ho i32) (param $Wo i32) (param $Co i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $ci i32)`;
const FILTER_GRAD_ARGS = ['x', 'dy', 'dw', 'B', 'Hp', 'Wp', 'Ci', 'Ho', 'Wo', 'Co', 'kh', 'kw', 'sh', 'sw'].map((p) => `(local.get $${p})`).join(' ');

export const SIMD_KERNELS_WAT = `
(module
  (import "env" "memory" (memory 1))

  ;; dx[window element of the maximum] += dy, for windows that lie wholly inside the input.
  ;; dx must be zeroed by the caller. origins[w] is the element offset of window w's first element
  ;; (channel 0); offs[k] the element offset of the window's k-th element (depth, row, column order)
  ;; from its first; dy holds C values per window, windows in order. last != 0: ties go to the last
  ;; maximum (3D pooling on tfjs's cpu backend), else to the first (2D), exactly as the JavaScript loop
  ;; of pool-argmax.ts. Channels are done four at a time, the remainder one by one.
  (func (export "maxPoolGrad")
    (param $x i32) (param $dy i32) (param $dx i32) (param $origins i32) (param $windows i32)
    (param $offs i32) (param $n i32) (param $C i32) (param $last i32)
    (local $w i32) (local $o i32) (local $c i32) (local $c4 i32) (local $k i32) (local $a i32)
    (local $best v128) (local $idx v128) (local $v v128) (local $m v128) (local $d v128)
    (local $bs f32) (local $vs f32) (local $is i32)
    (local.set $c4 (i32.and (local.get $C) (i32.const -4)))
    (block $windowsDone (loop $window
      (br_if $windowsDone (i32.ge_u (local.get $w) (local.get $windows)))
      (local.set $o (i32.load (i32.add (local.get $origins) (i32.shl (local.get $w) (i32.const 2)))))
      (local.set $c (i32.const 0))
      (block $vectorsDone (loop $vector
        (br_if $vectorsDone (i32.ge_u (local.get $c) (local.get $c4)))
        (local.set $best (f32x4.splat (f32.const -inf)))
        (local.set $idx (i32x4.splat (i32.const -1)))
        (local.set $k (i32.const 0))
        (block $findDone (loop $find
          (br_if $findDone (i32.ge_u (local.get $k) (local.get $n)))
          (local.set $a (i32.shl (i32.add (i32.add (local.get $o) (local.get $c))
            (i32.load (i32.add (local.get $offs) (i32.shl (local.get $k) (i32.const 2))))) (i32.const 2)))
          (local.set $v (v128.load (i32.add (local.get $x) (local.get $a))))
          (local.set $m (if (result v128) (local.get $last)
            (then (f32x4.ge (local.get $v) (local.get $best)))
            (else (f32x4.gt (local.get $v) (local.get $best)))))
          (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $m)))
          (local.set $idx (v128.bitselect (i32x4.splat (local.get $k)) (local.get $idx) (local.get $m)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $find)))
        (local.set $d (v128.load (i32.add (local.get $dy)
          (i32.shl (i32.add (i32.mul (local.get $w) (local.get $C)) (local.get $c)) (i32.const 2)))))
        (local.set $k (i32.const 0))
        (block $scatterDone (loop $scatter
          (br_if $scatterDone (i32.ge_u (local.get $k) (local.get $n)))
          (local.set $a (i32.add (local.get $dx) (i32.shl (i32.add (i32.add (local.get $o) (local.get $c))
            (i32.load (i32.add (local.get $offs) (i32.shl (local.get $k) (i32.const 2))))) (i32.const 2))))
          (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a))
            (v128.and (local.get $d) (i32x4.eq (local.get $idx) (i32x4.splat (local.get $k))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $scatter)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $vector)))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $c) (local.get $C)))
        (local.set $bs (f32.const -inf))
        (local.set $is (i32.const -1))
        (local.set $k (i32.const 0))
        (block $findDone1 (loop $find1
          (br_if $findDone1 (i32.ge_u (local.get $k) (local.get $n)))
          (local.set $a (i32.add (i32.add (local.get $o) (local.get $c))
            (i32.load (i32.add (local.get $offs) (i32.shl (local.get $k) (i32.const 2))))))
          (local.set $vs (f32.load (i32.add (local.get $x) (i32.shl (local.get $a) (i32.const 2)))))
          (if (if (result i32) (local.get $last)
                (then (f32.ge (local.get $vs) (local.get $bs)))
                (else (f32.gt (local.get $vs) (local.get $bs))))
            (then (local.set $bs (local.get $vs)) (local.set $is (local.get $a))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $find1)))
        (if (i32.ge_s (local.get $is) (i32.const 0)) (then
          (local.set $a (i32.add (local.get $dx) (i32.shl (local.get $is) (i32.const 2))))
          (f32.store (local.get $a) (f32.add (f32.load (local.get $a))
            (f32.load (i32.add (local.get $dy)
              (i32.shl (i32.add (i32.mul (local.get $w) (local.get $C)) (local.get $c)) (i32.const 2))))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $tail)))
      (local.set $w (i32.add (local.get $w) (i32.const 1)))
      (br $window)))
  )

  ;; out[j] = sum over i < m of x[i*r + j], for j < r: a sum over the leading axes of x seen as [m, r]
  ;; (every conv layer's bias gradient). out must be zeroed by the caller. Rows are added in order,
  ;; four columns at a time, the remainder one by one.
  (func (export "sumRows") (param $x i32) (param $out i32) (param $m i32) (param $r i32)
    (local $i i32) (local $j i32) (local $r4 i32) (local $row i32) (local $a i32)
    (local.set $r4 (i32.and (local.get $r) (i32.const -4)))
    (local.set $row (local.get $x))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $j (i32.const 0))
      (block $vectorsDone (loop $vector
        (br_if $vectorsDone (i32.ge_u (local.get $j) (local.get $r4)))
        (local.set $a (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store (local.get $a) (f32x4.add (v128.load (local.get $a))
          (v128.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vector)))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $j) (local.get $r)))
        (local.set $a (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
        (f32.store (local.get $a) (f32.add (f32.load (local.get $a))
          (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tail)))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $r) (i32.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )

  ;; dst[p*step + c] = src[p*C + c] for p < n, c < C, or 0 where $zeros is set: n runs of C values, contiguous
  ;; in src, step values apart in dst (one (sample, slice, tap) of a depth-unrolled input, depth-unroll.ts,
  ;; where JavaScript took about 3 ns per value). Copied as bits, four values at a time where C is a
  ;; multiple of four, else one by one.
  (func (export "spreadRuns") (param $src i32) (param $dst i32) (param $n i32) (param $C i32) (param $step i32) (param $zeros i32)
    (local $p i32) (local $c i32) (local $bytes i32) (local $dStep i32)
    (local.set $bytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $dStep (i32.shl (local.get $step) (i32.const 2)))
    (if (i32.and (i32.eq (local.get $C) (i32.const 1)) (i32.eqz (local.get $zeros)))
      (then
        ;; One channel (every model's first layer): one value per run.
        (block $done (loop $one
          (br_if $done (i32.ge_u (local.get $p) (local.get $n)))
          (i32.store (local.get $dst) (i32.load (local.get $src)))
          (local.set $src (i32.add (local.get $src) (i32.const 4)))
          (local.set $dst (i32.add (local.get $dst) (local.get $dStep)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $one)))
        (return)))
    (block $runsDone (loop $runs
      (br_if $runsDone (i32.ge_u (local.get $p) (local.get $n)))
      (local.set $c (i32.const 0))
      (if (local.get $zeros)
        (then (block $zerosDone (loop $zero
          (br_if $zerosDone (i32.ge_u (local.get $c) (local.get $bytes)))
          (i32.store (i32.add (local.get $dst) (local.get $c)) (i32.const 0))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $zero))))
      (else (if (i32.eqz (i32.and (local.get $C) (i32.const 3)))
        (then (block $vectorsDone (loop $vector
          (br_if $vectorsDone (i32.ge_u (local.get $c) (local.get $bytes)))
          (v128.store (i32.add (local.get $dst) (local.get $c)) (v128.load (i32.add (local.get $src) (local.get $c))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br $vector))))
        (else (block $valuesDone (loop $value
          (br_if $valuesDone (i32.ge_u (local.get $c) (local.get $bytes)))
          (i32.store (i32.add (local.get $dst) (local.get $c)) (i32.load (i32.add (local.get $src) (local.get $c))))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $value)))))))
      (local.set $src (i32.add (local.get $src) (local.get $bytes)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dStep)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $runs)))
  )

  ;; out[i*r + j] = x[i*r + j] + b[j] for i < m, j < r: a bias added along the last axis (every conv and dense
  ;; layer's forward pass), which tfjs's wasm Add does with a per-element broadcast index. Four columns at a
  ;; time, the remainder one by one.
  (func (export "addRows") (param $x i32) (param $b i32) (param $out i32) (param $m i32) (param $r i32)
    (local $i i32) (local $j i32) (local $r4 i32) (local $row i32) (local $o i32)
    (local.set $r4 (i32.and (local.get $r) (i32.const -4)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $m)))
      (local.set $j (i32.const 0))
      (block $vectorsDone (loop $vector
        (br_if $vectorsDone (i32.ge_u (local.get $j) (local.get $r4)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (v128.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $o)))
          (f32x4.add (v128.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $o))))
            (v128.load (i32.add (local.get $b) (local.get $o)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vector)))
      (block $tailDone (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $j) (local.get $r)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (f32.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $o)))
          (f32.add (f32.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $o))))
            (f32.load (i32.add (local.get $b) (local.get $o)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tail)))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $r) (i32.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )

  ;; out[i] = dy[i] * step(x[i]) for i < n, step(x) = 1 where x > 0, NaN where x is NaN, else 0: the
  ;; gradient of relu exactly as tfjs computes it (dy * cast(step(x))), in one pass instead of three kernels.
  (func (export "reluGrad") (param $dy i32) (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $n4 i32) (local $o i32) (local $xv v128) (local $xs f32)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $vDone (loop $vec
      (br_if $vDone (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $xv (v128.load (i32.add (local.get $x) (local.get $o))))
      (v128.store (i32.add (local.get $out) (local.get $o))
        (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $o)))
          (v128.bitselect (f32x4.splat (f32.const nan))
            (v128.and (f32x4.splat (f32.const 1)) (f32x4.gt (local.get $xv) (v128.const i32x4 0 0 0 0)))
            (f32x4.ne (local.get $xv) (local.get $xv)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $vec)))
    (block $sDone (loop $scalar
      (br_if $sDone (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $xs (f32.load (i32.add (local.get $x) (local.get $o))))
      (f32.store (i32.add (local.get $out) (local.get $o))
        (f32.mul (f32.load (i32.add (local.get $dy) (local.get $o)))
          (select (f32.const nan) (select (f32.const 1) (f32.const 0) (f32.gt (local.get $xs) (f32.const 0)))
            (f32.ne (local.get $xs) (local.get $xs)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scalar)))
  )

  ;; A 3x3 convolution of one input channel (every model's first layer), with its bias and relu:
  ;;   out[b, oh, ow, co] = act(bias[co] + sum over i, j < 3 of x[b, oh*sh + i, ow*sw + j] * w[i, j, co])
  ;; x padded as the forward pass pads it ([B, Hp, Wp]), w [3, 3, Co], out [B, Ho, Wo, Co]; $floor is 0 for
  ;; relu (max(v, 0), NaN kept) and -inf for none. XNNPACK runs this layer at 2.5-3.5 GMAC/s (one input
  ;; channel leaves its micro-kernels little to reuse); here four output channels at a time keep their nine
  ;; weight vectors in registers and every output is nine splatted x values times them. A remainder of 1 to 3
  ;; channels is the last four channels again: they are written, not added to, so repeating is harmless.
  (func (export "convC1Taps3x3")
    (param $x i32) (param $w i32) (param $bias i32) (param $out i32) (param $B i32) (param $Hp i32) (param $Wp i32)
    (param $Ho i32) (param $Wo i32) (param $Co i32) (param $sh i32) (param $sw i32) (param $floor f32)
    (local $c i32)
    (block $done (loop $groups
      (br_if $done (i32.ge_s (local.get $c) (local.get $Co)))
      (call $convC1Group (local.get $x) (local.get $w) (local.get $bias) (local.get $out) (local.get $B) (local.get $Hp) (local.get $Wp)
        (local.get $Ho) (local.get $Wo) (local.get $Co) (local.get $sh) (local.get $sw) (f32x4.splat (local.get $floor))
        (select (local.get $c) (i32.sub (local.get $Co) (i32.const 4)) (i32.le_s (i32.add (local.get $c) (i32.const 4)) (local.get $Co))))
      (local.set $c (i32.add (local.get $c) (i32.const 4)))
      (br $groups)))
  )
${convC1Group()}

  ;; The filter gradient of a convolution with one input channel (every model's first layer):
  ;;   dw[i, j, co] = sum over b, oh, ow of x[b, oh*sh + i, ow*sw + j] * dy[b, oh, ow, co]
  ;; x already padded as the forward pass padded it ([B, Hp, Wp]), dy [B, Ho, Wo, Co]; the sums are added
  ;; to dw [kh, kw, Co] (zeroed by the caller), so that a 3D gradient can add up its depth slices.
  ;; XNNPACK computes this as a convolution whose "filter" is all of dy, repacked at every call, with a
  ;; single input channel. Here every (i, j) and block of 16, 8 or 4 output channels is a dot product
  ;; over all positions, accumulated in registers: one x value, splatted, serves the whole block (a
  ;; remainder of 1 to 3 channels is the last four channels again, masked; fewer than 4 go one by one).
  ;; A 3x3 filter goes four channels at a time instead, its nine taps in one pass (filterGradTaps3x3).
  (func (export "filterGradC1")
    (param $x i32) (param $dy i32) (param $dw i32) (param $B i32) (param $Hp i32) (param $Wp i32)
    (param $Ho i32) (param $Wo i32) (param $Co i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (local $c i32) (local $left i32)
    (if (i32.and (i32.and (i32.eq (local.get $kh) (i32.const 3)) (i32.eq (local.get $kw) (i32.const 3))) (i32.ge_s (local.get $Co) (i32.const 4)))
      (then
        ;; A 3x3 filter (the whole model zoo's): four channels at a time, all nine taps per pass.
        (block $tapsDone (loop $taps
          (local.set $left (i32.sub (local.get $Co) (local.get $c)))
          (br_if $tapsDone (i32.le_s (local.get $left) (i32.const 0)))
          (if (i32.ge_s (local.get $left) (i32.const 4))
            (then (call $filterGradTaps3x3 (local.get $x) (local.get $dy) (local.get $dw) (local.get $B) (local.get $Hp) (local.get $Wp) (local.get $Ho) (local.get $Wo) (local.get $Co) (local.get $sh) (local.get $sw) (local.get $c) (v128.const i32x4 -1 -1 -1 -1))
              (local.set $c (i32.add (local.get $c) (i32.const 4))))
            (else (call $filterGradTaps3x3 (local.get $x) (local.get $dy) (local.get $dw) (local.get $B) (local.get $Hp) (local.get $Wp) (local.get $Ho) (local.get $Wo) (local.get $Co) (local.get $sh) (local.get $sw)
                (i32.sub (local.get $Co) (i32.const 4)) (i32x4.ge_s (v128.const i32x4 0 1 2 3) (i32x4.splat (i32.sub (i32.const 4) (local.get $left)))))
              (local.set $c (local.get $Co))))
          (br $taps)))
        (return)))
    (block $done (loop $blocks
      (local.set $left (i32.sub (local.get $Co) (local.get $c)))
      (br_if $done (i32.le_s (local.get $left) (i32.const 0)))
      (if (i32.ge_s (local.get $left) (i32.const 16))
        (then (call $filterGradBlock16 (local.get $x) (local.get $dy) (local.get $dw) (local.get $B) (local.get $Hp) (local.get $Wp) (local.get $Ho) (local.get $Wo) (local.get $Co) (local.get $kh) (local.get $kw) (local.get $sh) (local.get $sw) (local.get $c))
          (local.set $c (i32.add (local.get $c) (i32.const 16))))
      (else (if (i32.ge_s (local.get $left) (i32.const 8))
        (then (call $filterGradBlock8 (local.get $x) (local.get $dy) (local.get $dw) (local.get $B) (local.get $Hp) (local.get $Wp) (local.get $Ho) (local.get $Wo) (local.get $Co) (local.get $kh) (local.get $kw) (local.get $sh) (local.get $sw) (local.get $c))
          (local.set $c (i32.add (local.get $c) (i32.const 8))))
      (else (if (i32.ge_s (local.get $left) (i32.const 4))
        (then (call $filterGradBlock4 (local.get $x) (local.get $dy) (local.get $dw) (local.get $B) (local.get $Hp) (local.get $Wp) (local.get $Ho) (local.get $Wo) (local.get $Co) (local.get $kh) (local.get $kw) (local.get $sh) (local.get $sw) (local.get $c) (v128.const i32x4 -1 -1 -1 -1))
          (local.set $c (i32.add (local.get $c) (i32.const 4))))
      (else (if (i32.ge_s (local.get $Co) (i32.const 4))
        ;; 1 to 3 channels left: the last four channels again, adding only the lanes of those left.
        (then (call $filterGradBlock4 (local.get $x) (local.get $dy) (local.get $dw) (local.get $B) (local.get $Hp) (local.get $Wp) (local.get $Ho) (local.get $Wo) (local.get $Co) (local.get $kh) (local.get $kw) (local.get $sh) (local.get $sw)
            (i32.sub (local.get $Co) (i32.const 4)) (i32x4.ge_s (v128.const i32x4 0 1 2 3) (i32x4.splat (i32.sub (i32.const 4) (local.get $left)))))
          (local.set $c (local.get $Co)))
      (else
        (call $filterGradBlock1 (local.get $x) (local.get $dy) (local.get $dw) (local.get $B) (local.get $Hp) (local.get $Wp) (local.get $Ho) (local.get $Wo) (local.get $Co) (local.get $kh) (local.get $kw) (local.get $sh) (local.get $sw) (local.get $c))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))))))))))
      (br $blocks)))
  )
${filterGradTaps3x3()}
${filterGradBlock(16)}
${filterGradBlock(8)}
${filterGradBlock(4)}
${filterGradBlock(1)}

  ;; The filter gradient of a convolution with Ci input channels and Co >= 4 output channels:
  ;;   dw[i, j, ci, co] = sum over b, oh, ow of x[b, oh*sh + i, ow*sw + j, ci] * dy[b, oh, ow, co]
  ;; x padded as the forward pass padded it ([B, Hp, Wp, Ci]), dy [B, Ho, Wo, Co]; added to dw
  ;; [kh, kw, Ci, Co] (zeroed by the caller). XNNPACK does it as a convolution of x transposed with all of
  ;; dy as its filter, transposed and repacked at every call. Here every (i, j) and tile of input channels
  ;; by output channels is a sum of outer products over the positions, kept in registers: per position
  ;; ${TILE_ROWS} x values (splatted) times ${TILE_COLUMNS} vectors of dy; input channels left over go two,
  ;; then one at a time.
  (func (export "filterGrad")
    (param $x i32) (param $dy i32) (param $dw i32) (param $B i32) (param $Hp i32) (param $Wp i32) (param $Ci i32)
    (param $Ho i32) (param $Wo i32) (param $Co i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32)
    (local $ci i32)
    (block $done (loop $rowBlocks
      (br_if $done (i32.ge_u (local.get $ci) (local.get $Ci)))
      (if (i32.ge_u (i32.sub (local.get $Ci) (local.get $ci)) (i32.const ${TILE_ROWS}))
        (then
          (call $filterGradRows${TILE_ROWS} ${FILTER_GRAD_ARGS} (local.get $ci))
          (local.set $ci (i32.add (local.get $ci) (i32.const ${TILE_ROWS}))))
      (else (if (i32.ge_u (i32.sub (local.get $Ci) (local.get $ci)) (i32.const 2))
        (then
          (call $filterGradRows2 ${FILTER_GRAD_ARGS} (local.get $ci))
          (local.set $ci (i32.add (local.get $ci) (i32.const 2))))
        (else
          (call $filterGradRows1 ${FILTER_GRAD_ARGS} (local.get $ci))
          (local.set $ci (i32.add (local.get $ci) (i32.const 1)))))))
      (br $rowBlocks)))
  )
${[TILE_ROWS, 2, 1].map((rows) => filterGradRows(rows) + filterGradTile(rows, TILE_COLUMNS) + filterGradTile(rows, 1)).join('\n')}

  ;; One Adam step of one variable, in a single pass (tfjs's AdamOptimizer spends about ten kernel calls
  ;; per variable on it): with c1 = 1 - beta1, c2 = 1 - beta2, and a1, a2 = 1 - beta1^t, 1 - beta2^t,
  ;;   m' = m*beta1 + g*c1,  v' = v*beta2 + g*g*c2,  w' = (m'/a1) / (sqrt(v'/a2) + eps) * (-lr) + w
  ;; in the order tfjs evaluates it. Writes w', m', v' (n values each) to their own buffers.
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $w2 i32) (param $m2 i32) (param $v2 i32) (param $n i32)
    (param $beta1 f32) (param $beta2 f32) (param $c1 f32) (param $c2 f32) (param $a1 f32) (param $a2 f32) (param $lr f32) (param $eps f32)
    (local $i i32) (local $n4 i32) (local $o i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $vDone (loop $vec
      (br_if $vDone (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gv (v128.load (i32.add (local.get $g) (local.get $o))))
      (local.set $mv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $o))) (f32x4.splat (local.get $beta1)))
        (f32x4.mul (local.get $gv) (f32x4.splat (local.get $c1)))))
      (local.set $vv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $o))) (f32x4.splat (local.get $beta2)))
        (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $c2)))))
      (v128.store (i32.add (local.get $m2) (local.get $o)) (local.get $mv))
      (v128.store (i32.add (local.get $v2) (local.get $o)) (local.get $vv))
      (v128.store (i32.add (local.get $w2) (local.get $o))
        (f32x4.add
          (f32x4.mul
            (f32x4.div (f32x4.div (local.get $mv) (f32x4.splat (local.get $a1)))
              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (f32x4.splat (local.get $a2)))) (f32x4.splat (local.get $eps))))
            (f32x4.splat (f32.neg (local.get $lr))))
          (v128.load (i32.add (local.get $w) (local.get $o)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $vec)))
    (block $sDone (loop $scalar
      (br_if $sDone (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
      (local.set $ms (f32.add (f32.mul (f32.load (i32.add (local.get $m) (local.get $o))) (local.get $beta1))
        (f32.mul (local.get $gs) (local.get $c1))))
      (local.set $vs (f32.add (f32.mul (f32.load (i32.add (local.get $v) (local.get $o))) (local.get $beta2))
        (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
      (f32.store (i32.add (local.get $m2) (local.get $o)) (local.get $ms))
      (f32.store (i32.add (local.get $v2) (local.get $o)) (local.get $vs))
      (f32.store (i32.add (local.get $w2) (local.get $o))
        (f32.add
          (f32.mul
            (f32.div (f32.div (local.get $ms) (local.get $a1))
              (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $a2))) (local.get $eps)))
            (f32.neg (local.get $lr)))
          (f32.load (i32.add (local.get $w) (local.get $o)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scalar)))
  )
)
`;

/**
 * The loops of the 3x3 kernels: every (batch $b, output row $oh), with $x0..$x2 at the start of the three
 * input rows its windows read and $ow = 0, around `perRow`.
 */
function overOutputRows3x3(perRow: string): string {
  return `(block $batchDone (loop $batch
      (br_if $batchDone (i32.ge_u (local.get $b) (local.get $B)))
      (local.set $oh (i32.const 0))
      (block $outRowsDone (loop $outRows
        (br_if $outRowsDone (i32.ge_u (local.get $oh) (local.get $Ho)))
        (local.set $x0 (i32.add (local.get $x) (i32.mul (i32.add (i32.mul (local.get $b) (local.get $Hp)) (i32.mul (local.get $oh) (local.get $sh))) (local.get $row))))
        (local.set $x1 (i32.add (local.get $x0) (local.get $row)))
        (local.set $x2 (i32.add (local.get $x1) (local.get $row)))
        (local.set $ow (i32.const 0))
        ${perRow}
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br $outRows)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $batch)))`;
}

/** The rest of an output row, one position at a time: `body`, then $x0..$x2 one stride on and `pointer` by `step`. */
function overPositions3x3(body: string, pointer: string, step: string): string {
  return `(block $posDone (loop $pos
          (br_if $posDone (i32.ge_u (local.get $ow) (local.get $Wo)))
          ${body}
          (local.set $x0 (i32.add (local.get $x0) (local.get $xStep)))
          (local.set $x1 (i32.add (local.get $x1) (local.get $xStep)))
          (local.set $x2 (i32.add (local.get $x2) (local.get $xStep)))
          (local.set ${pointer} (i32.add (local.get ${pointer}) (local.get ${step})))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br $pos)))`;
}

/** convC1Taps3x3 for output channels $c..$c+3. */
function convC1Group(): string {
  const taps = TAPS_3X3;
  const weight = ([i, j]: number[]) => `$w${i}${j}`;
  const load = taps.map(([i, j]) =>
    `(local.set ${weight([i, j])} (v128.load (i32.add (local.get $w) (i32.shl (i32.add (i32.mul (i32.const ${i * 3 + j}) (local.get $Co)) (local.get $c)) (i32.const 2)))))`).join('\n    ');
  // The bias and the nine products, added as a balanced tree: a chain of nine additions would make every
  // output wait for the latency of each in turn.
  let terms = ['(local.get $b0)', ...taps.map(([i, j]) => `(f32x4.mul (f32x4.splat (f32.load offset=${4 * j} (local.get $x${i}))) (local.get ${weight([i, j])}))`)];
  while (terms.length > 1) {
    const next: string[] = [];
    for (let k = 0; k + 1 < terms.length; k += 2) next.push(`(f32x4.add ${terms[k]} ${terms[k + 1]})`);
    if (terms.length % 2 === 1) next.push(terms[terms.length - 1]);
    terms = next;
  }
  const sum = terms[0];
  // A pair of outputs: row i's four x values, splatted once, times its three weight vectors for each output.
  const rowSum = (i: number, first: number) => `(f32x4.add (f32x4.add (f32x4.mul (local.get $s${first}) (local.get ${weight([i, 0])})) (f32x4.mul (local.get $s${first + 1}) (local.get ${weight([i, 1])}))) (f32x4.mul (local.get $s${first + 2}) (local.get ${weight([i, 2])})))`;
  const pairRows = [0, 1, 2].map((i) => [0, 1, 2, 3].map((k) => `(local.set $s${k} (f32x4.splat (f32.load offset=${4 * k} (local.get $x${i}))))`).join(' ') + `
            (local.set $p0 (f32x4.add (local.get $p0) ${rowSum(i, 0)}))
            (local.set $p1 (f32x4.add (local.get $p1) ${rowSum(i, 1)}))`).join('\n            ');
  return `
  (func $convC1Group
    (param $x i32) (param $w i32) (param $bias i32) (param $out i32) (param $B i32) (param $Hp i32) (param $Wp i32)
    (param $Ho i32) (param $Wo i32) (param $Co i32) (param $sh i32) (param $sw i32) (param $floor v128) (param $c i32)
    (local $b i32) (local $oh i32) (local $ow i32) (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $op i32)
    (local $xStep i32) (local $oStep i32) (local $row i32) (local $b0 v128)
    (local $p0 v128) (local $p1 v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    ${taps.map((t) => `(local ${weight(t)} v128)`).join(' ')}
    ${load}
    (if (local.get $bias) (then (local.set $b0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2)))))))
    (local.set $xStep (i32.shl (local.get $sw) (i32.const 2)))
    (local.set $oStep (i32.shl (local.get $Co) (i32.const 2)))
    (local.set $row (i32.shl (local.get $Wp) (i32.const 2)))
    (local.set $op (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))))
    ${overOutputRows3x3(`(if (i32.eq (local.get $sw) (i32.const 1)) (then
          ;; Stride 1: two outputs per iteration, which share two of each row's three x values.
          (block $pairsDone (loop $pairs
            (br_if $pairsDone (i32.ge_u (i32.add (local.get $ow) (i32.const 1)) (local.get $Wo)))
            (local.set $p0 (local.get $b0))
            (local.set $p1 (local.get $b0))
            ${pairRows}
            (v128.store (local.get $op) (f32x4.max (local.get $floor) (local.get $p0)))
            (v128.store (i32.add (local.get $op) (local.get $oStep)) (f32x4.max (local.get $floor) (local.get $p1)))
            (local.set $x0 (i32.add (local.get $x0) (i32.const 8)))
            (local.set $x1 (i32.add (local.get $x1) (i32.const 8)))
            (local.set $x2 (i32.add (local.get $x2) (i32.const 8)))
            (local.set $op (i32.add (local.get $op) (i32.shl (local.get $oStep) (i32.const 1))))
            (local.set $ow (i32.add (local.get $ow) (i32.const 2)))
            (br $pairs)))))
        ${overPositions3x3(`(v128.store (local.get $op) (f32x4.max (local.get $floor) ${sum}))`, '$op', '$oStep')}`)}
  )`;
}

/**
 * filterGradC1 of a 3x3 filter for output channels $c..$c+3: every position's four dy values are loaded once
 * and serve all nine taps, each with its own accumulator (per tap and block, as filterGradBlock does, they
 * were loaded nine times, with a loop around each: half the speed on 4 to 13 channels). Lanes outside
 * $mask are not added (the remainder block repeats channels already summed).
 */
function filterGradTaps3x3(): string {
  const taps = TAPS_3X3;
  const acc = ([i, j]: number[]) => `$a${i}${j}`;
  const accumulate = taps.map(([i, j]) =>
    `(local.set ${acc([i, j])} (f32x4.add (local.get ${acc([i, j])}) (f32x4.mul (f32x4.splat (f32.load offset=${4 * j} (local.get $x${i}))) (local.get $d))))`).join('\n                ');
  const store = taps.map(([i, j]) => {
    const at = `(i32.add (local.get $dw) (i32.shl (i32.add (i32.mul (i32.const ${i * 3 + j}) (local.get $Co)) (local.get $c)) (i32.const 2)))`;
    return `(local.set $out ${at})
    (v128.store (local.get $out) (f32x4.add (v128.load (local.get $out)) (v128.and (local.get ${acc([i, j])}) (local.get $mask))))`;
  }).join('\n    ');
  return `
  (func $filterGradTaps3x3
    (param $x i32) (param $dy i32) (param $dw i32) (param $B i32) (param $Hp i32) (param $Wp i32)
    (param $Ho i32) (param $Wo i32) (param $Co i32) (param $sh i32) (param $sw i32) (param $c i32) (param $mask v128)
    (local $b i32) (local $oh i32) (local $ow i32) (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $dp i32)
    (local $xStep i32) (local $dStep i32) (local $row i32) (local $out i32) (local $d v128)
    ${taps.map((t) => `(local ${acc(t)} v128)`).join(' ')}
    (local.set $xStep (i32.shl (local.get $sw) (i32.const 2)))
    (local.set $dStep (i32.shl (local.get $Co) (i32.const 2)))
    (local.set $row (i32.shl (local.get $Wp) (i32.const 2)))
    ${overOutputRows3x3(`(local.set $dp (i32.add (local.get $dy) (i32.shl (i32.add (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $Ho)) (local.get $oh)) (local.get $Wo)) (local.get $Co)) (local.get $c)) (i32.const 2))))
        ${overPositions3x3(`(local.set $d (v128.load (local.get $dp)))
          ${accumulate}`, '$dp', '$dStep')}`)}
    ${store}
  )`;
}

/**
 * filterGradC1's loop for one block of `width` output channels starting at channel $c: width / 4
 * vector accumulators (or one scalar for width 1). Generated once per width, so that the accumulators
 * are locals the engine keeps in registers.
 */
function filterGradBlock(width: 16 | 8 | 4 | 1): string {
  const vectors = width / 4;
  const scalar = width === 1;
  const accs = scalar ? ['$s'] : Array.from({ length: vectors }, (_, k) => `$a${k}`);
  const locals = scalar ? '(local $s f32)' : accs.map((a) => `(local ${a} v128)`).join(' ');
  const zero = accs.map((a) => `(local.set ${a} ${scalar ? '(f32.const 0)' : '(v128.const i32x4 0 0 0 0)'})`).join(' ');
  const accumulate = scalar
    ? '(local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $xp)) (f32.load (local.get $dp)))))'
    : '(local.set $xv (f32x4.splat (f32.load (local.get $xp))))\n' + accs.map((a, k) =>
      `(local.set ${a} (f32x4.add (local.get ${a}) (f32x4.mul (local.get $xv) (v128.load offset=${16 * k} (local.get $dp)))))`).join('\n');
  // Width 4 takes a lane mask: the last block of a channel count that is not a multiple of four repeats
  // channels already summed and adds only its new lanes.
  const masked = width === 4;
  const store = accs.map((a, k) => scalar
    ? `(f32.store (local.get $out) (f32.add (f32.load (local.get $out)) (local.get ${a})))`
    : `(v128.store offset=${16 * k} (local.get $out) (f32x4.add (v128.load offset=${16 * k} (local.get $out)) ${masked ? `(v128.and (local.get ${a}) (local.get $mask))` : `(local.get ${a})`}))`).join(' ');
  return `
  (func $filterGradBlock${width}
    (param $x i32) (param $dy i32) (param $dw i32) (param $B i32) (param $Hp i32) (param $Wp i32)
    (param $Ho i32) (param $Wo i32) (param $Co i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $c i32)${masked ? ' (param $mask v128)' : ''}
    (local $i i32) (local $j i32) (local $b i32) (local $oh i32) (local $ow i32)
    (local $xp i32) (local $dp i32) (local $out i32) (local $xStep i32) (local $dStep i32) (local $xv v128) ${locals}
${filterGradLoops('(i32.const 1)', '(i32.const 0)', zero, accumulate, store)}
  )`;
}

/**
 * filterGrad over the output channels for `rows` input channels from $ci: tiles of TILE_COLUMNS vectors, then
 * of one; a remainder of 1 to 3 channels is the last four channels again, adding only the lanes of those left.
 */
function filterGradRows(rows: number): string {
  const tile = (columns: number, c: string, mask = '') => `(call $filterGradTile${rows}x${columns} ${FILTER_GRAD_ARGS} (local.get $ci) ${c}${mask})`;
  return `
  (func $filterGradRows${rows} ${FILTER_GRAD_PARAMS}
    (local $c i32) (local $left i32)
    (block $done (loop $columnBlocks
      (local.set $left (i32.sub (local.get $Co) (local.get $c)))
      (br_if $done (i32.le_s (local.get $left) (i32.const 0)))
      (if (i32.ge_s (local.get $left) (i32.const ${4 * TILE_COLUMNS}))
        (then
          ${tile(TILE_COLUMNS, '(local.get $c)')}
          (local.set $c (i32.add (local.get $c) (i32.const ${4 * TILE_COLUMNS}))))
      (else (if (i32.ge_s (local.get $left) (i32.const 4))
        (then
          ${tile(1, '(local.get $c)', ' (v128.const i32x4 -1 -1 -1 -1)')}
          (local.set $c (i32.add (local.get $c) (i32.const 4))))
        (else
          ${tile(1, '(i32.sub (local.get $Co) (i32.const 4))', ' (i32x4.ge_s (v128.const i32x4 0 1 2 3) (i32x4.splat (i32.sub (i32.const 4) (local.get $left))))')}
          (local.set $c (local.get $Co))))))
      (br $columnBlocks)))
  )`;
}

/**
 * One tile of filterGrad: input channels $ci..$ci+rows by output channels $c..$c+4*columns, over every
 * (i, j). Generated per size, so that the rows x columns accumulators are locals kept in registers. Tiles
 * of one vector take a lane mask of the channels they add (the remainder repeats channels already summed).
 */
function filterGradTile(rows: number, columns: number): string {
  const masked = columns === 1;
  const acc = (r: number, v: number) => `$a${r}_${v}`;
  const all: [number, number][] = [];
  for (let r = 0; r < rows; r++) for (let v = 0; v < columns; v++) all.push([r, v]);
  const dys = Array.from({ length: columns }, (_, v) => `$d${v}`);
  const locals = [...all.map(([r, v]) => acc(r, v)), ...dys, '$xv'].map((l) => `(local ${l} v128)`).join(' ');
  const zero = all.map(([r, v]) => `(local.set ${acc(r, v)} (v128.const i32x4 0 0 0 0))`).join(' ');
  const loadDy = dys.map((d, v) => `(local.set ${d} (v128.load offset=${16 * v} (local.get $dp)))`).join('\n');
  const accumulate = Array.from({ length: rows }, (_, r) => `(local.set $xv (v128.load32_splat offset=${4 * r} (local.get $xp)))\n` +
    dys.map((d, v) => `(local.set ${acc(r, v)} (f32x4.add (local.get ${acc(r, v)}) (f32x4.mul (local.get $xv) (local.get ${d}))))`).join('\n')).join('\n');
  const store = all.map(([r, v]) => `(v128.store offset=${16 * v} (i32.add (local.get $out) (i32.mul (i32.const ${r}) (local.get $rowBytes)))
          (f32x4.add (v128.load offset=${16 * v} (i32.add (local.get $out) (i32.mul (i32.const ${r}) (local.get $rowBytes))))
            ${masked ? `(v128.and (local.get ${acc(r, v)}) (local.get $mask))` : `(local.get ${acc(r, v)})`}))`).join('\n');
  return `
  (func $filterGradTile${rows}x${columns} ${FILTER_GRAD_PARAMS} (param $c i32)${masked ? ' (param $mask v128)' : ''}
    (local $i i32) (local $j i32) (local $b i32) (local $oh i32) (local $ow i32)
    (local $xp i32) (local $dp i32) (local $out i32) (local $xStep i32) (local $dStep i32) (local $rowBytes i32) ${locals}
    (local.set $rowBytes (i32.shl (local.get $Co) (i32.const 2)))
${filterGradLoops('(local.get $Ci)', '(local.get $ci)', zero, `${loadDy}\n${accumulate}`, store)}
  )`;
}

/**
 * The loops of filterGradC1's blocks and filterGrad's tiles: for every filter position (i, j), zero the
 * accumulators, run `accumulate` at every output position ($xp at x[b, oh*sh + i, ow*sw + j, inChannel], $dp at
 * dy[b, oh, ow, $c]), then `store` them at $out = dw[i, j, inChannel, $c]. `channels` (x's channel count) and
 * `inChannel` (the tile's first input channel) are WebAssembly expressions.
 */
function filterGradLoops(channels: string, inChannel: string, zero: string, accumulate: string, store: string): string {
  return `
    (local.set $xStep (i32.shl (i32.mul (local.get $sw) ${channels}) (i32.const 2)))
    (local.set $dStep (i32.shl (local.get $Co) (i32.const 2)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $kh)))
      (local.set $j (i32.const 0))
      (block $colsDone (loop $cols
        (br_if $colsDone (i32.ge_u (local.get $j) (local.get $kw)))
        ${zero}
        (local.set $b (i32.const 0))
        (block $batchDone (loop $batch
          (br_if $batchDone (i32.ge_u (local.get $b) (local.get $B)))
          (local.set $oh (i32.const 0))
          (block $outRowsDone (loop $outRows
            (br_if $outRowsDone (i32.ge_u (local.get $oh) (local.get $Ho)))
            (local.set $xp (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $Hp))
              (i32.add (i32.mul (local.get $oh) (local.get $sh)) (local.get $i))) (local.get $Wp)) (local.get $j)) ${channels}) ${inChannel}) (i32.const 2))))
            (local.set $dp (i32.add (local.get $dy) (i32.shl (i32.add (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $Ho))
              (local.get $oh)) (local.get $Wo)) (local.get $Co)) (local.get $c)) (i32.const 2))))
            (local.set $ow (i32.const 0))
            (block $posDone (loop $pos
              (br_if $posDone (i32.ge_u (local.get $ow) (local.get $Wo)))
              ${accumulate}
              (local.set $xp (i32.add (local.get $xp) (local.get $xStep)))
              (local.set $dp (i32.add (local.get $dp) (local.get $dStep)))
              (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
              (br $pos)))
            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
            (br $outRows)))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $batch)))
        (local.set $out (i32.add (local.get $dw) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j))
          ${channels}) ${inChannel}) (local.get $Co)) (local.get $c)) (i32.const 2))))
        ${store}
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cols)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))`;
}
