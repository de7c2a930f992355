/**
 * PCM utilities for the speech-to-speech core: sample format conversion, PCM16 <-> base64 without
 * Buffer, a streaming band-limited resampler and a fixed-size framer. Pure TypeScript (no DOM, no
 * Node): the same code runs in the capture worklet's host page, in main and in the CLI.
 *
 * The capture path (resample -> PCM16 -> 20 ms frames -> base64) is measured by
 * test/bench/encode.ts. In V8 a new typed array of a few hundred bytes costs about as much as
 * resampling 20 samples, so the hot calls (Resampler.process, floatToInt16) take an optional
 * output buffer to write into instead.
 */

// ---------------------------------------------------------------------------------------------
// Sample formats
// ---------------------------------------------------------------------------------------------

/**
 * Float samples in [-1, 1] -> PCM16 (clamped, rounded; -1 -> -32768, 1 -> 32767). Writes into
 * `out` when it is at least as long and returns `out` itself (so pass an exact-length view, e.g.
 * `scratch.subarray(0, input.length)`, to convert without allocating); else returns a new array.
 */
export function floatToInt16(input: Float32Array, out?: Int16Array): Int16Array {
  const n = input.length
  const result = out && out.length >= n ? out : new Int16Array(n)
  for (let i = 0; i < n; i++) {
    const s = input[i] as number
    // v is exact in a double (a float32 times 2^15 or 32767) and so is v + 32768.5, so truncating
    // that (it is >= 0.5) is floor(v + 0.5): exactly Math.round(v), without the call.
    let v = 0 // NaN and zero stay 0
    if (s > 0) v = s < 1 ? s * 0x7fff : 0x7fff
    else if (s < 0) v = s > -1 ? s * 0x8000 : -0x8000
    result[i] = ((v + 32768.5) | 0) - 32768
  }
  return result
}

/** PCM16 -> float samples in [-1, 1). */
export function int16ToFloat(input: Int16Array, out?: Float32Array): Float32Array {
  const result = out && out.length >= input.length ? out : new Float32Array(input.length)
  for (let i = 0; i < input.length; i++) result[i] = (input[i] as number) / 32768
  return result
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** PCM16 samples -> little-endian bytes (a copy). */
export function int16ToBytes(pcm: Int16Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength))
  const out = new Uint8Array(pcm.length * 2)
  for (let i = 0; i < pcm.length; i++) {
    const v = pcm[i] as number
    out[2 * i] = v & 0xff
    out[2 * i + 1] = (v >> 8) & 0xff
  }
  return out
}

/** Little-endian PCM16 bytes -> samples (a copy). A trailing odd byte is ignored. */
export function bytesToInt16(bytes: Uint8Array | ArrayBuffer): Int16Array {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  const n = u8.length >> 1
  if (LITTLE_ENDIAN) return new Int16Array(u8.buffer.slice(u8.byteOffset, u8.byteOffset + n * 2))
  const out = new Int16Array(n)
  for (let i = 0; i < n; i++) out[i] = ((u8[2 * i + 1] as number) << 24 >> 16) | (u8[2 * i] as number)
  return out
}

// ---------------------------------------------------------------------------------------------
// Base64 (hand-written table codec: no Buffer, no atob/btoa string juggling; see test/bench)
// ---------------------------------------------------------------------------------------------

const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const B64_ENC = new Uint8Array(64)
const B64_DEC = new Int16Array(256).fill(-1)
for (let i = 0; i < 64; i++) {
  B64_ENC[i] = B64_CHARS.charCodeAt(i)
  B64_DEC[B64_CHARS.charCodeAt(i)] = i
}
// URL-safe alphabet accepted on input.
B64_DEC['-'.charCodeAt(0)] = 62
B64_DEC['_'.charCodeAt(0)] = 63
// 12 bits -> the two output characters, stored as two bytes in memory order (so one 16-bit store
// writes both, whatever the platform's endianness).
const B64_ENC2 = new Uint16Array(4096)
{
  const bytes = new Uint8Array(B64_ENC2.buffer)
  for (let i = 0; i < 4096; i++) {
    bytes[2 * i] = B64_ENC[i >> 6] as number
    bytes[2 * i + 1] = B64_ENC[i & 63] as number
  }
}
const ASCII = new TextDecoder('latin1')
let b64Scratch = new Uint16Array(1024)

/** Bytes -> standard base64 (with padding). */
export function bytesToBase64(bytes: Uint8Array): string {
  const len = bytes.length
  const outChars = Math.ceil(len / 3) * 4
  if (b64Scratch.length < outChars >> 1) b64Scratch = new Uint16Array(Math.max(outChars >> 1, b64Scratch.length * 2))
  const out = b64Scratch // pairs of characters
  const enc2 = B64_ENC2
  let o = 0
  let i = 0
  const whole = len - (len % 3)
  for (; i < whole; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out[o++] = enc2[n >>> 12] as number
    out[o++] = enc2[n & 4095] as number
  }
  const rest = len - i
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0)
    out[o++] = enc2[n >>> 12] as number
    const tail = new Uint8Array(out.buffer, 2 * o, 2)
    tail[0] = rest === 2 ? (B64_ENC[(n >>> 6) & 63] as number) : 61
    tail[1] = 61
    o++
  }
  return ASCII.decode(new Uint8Array(out.buffer, 0, 2 * o))
}

export class Base64Error extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Base64Error'
  }
}

/**
 * Base64 (standard or URL-safe, padding optional, ASCII whitespace ignored) -> bytes. Throws a
 * Base64Error on any other character or an impossible length.
 */
export function base64ToBytes(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3)
  let o = 0
  let acc = 0
  let bits = 0
  let padding = 0
  let count = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 61) {
      padding++
      continue
    }
    if (c === 32 || c === 10 || c === 13 || c === 9) continue
    const v = c < 256 ? (B64_DEC[c] as number) : -1
    if (v < 0 || padding > 0) throw new Base64Error(`Invalid base64 character at position ${i}.`)
    acc = (acc << 6) | v
    bits += 6
    count++
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xff
    }
  }
  if (count % 4 === 1) throw new Base64Error('Invalid base64 length.')
  if (padding > 2) throw new Base64Error('Invalid base64 padding.')
  return out.subarray(0, o)
}

/** PCM16 samples -> base64 of their little-endian bytes. */
export function int16ToBase64(pcm: Int16Array): string {
  if (LITTLE_ENDIAN) return bytesToBase64(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength))
  return bytesToBase64(int16ToBytes(pcm))
}

/** Base64 of little-endian PCM16 bytes -> samples. Throws Base64Error on bad input. */
export function base64ToInt16(text: string): Int16Array {
  return bytesToInt16(base64ToBytes(text))
}

// ---------------------------------------------------------------------------------------------
// Resampler
// ---------------------------------------------------------------------------------------------

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b]
  return a
}

/** Zeroth-order modified Bessel function of the first kind (Kaiser window). */
function besselI0(x: number): number {
  let sum = 1
  let term = 1
  const q = (x * x) / 4
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k)
    sum += term
    if (term < sum * 1e-12) break
  }
  return sum
}

export interface ResamplerOptions {
  /** Sinc zero crossings on each side of the kernel (quality vs cost). Default 24. */
  zeroCrossings?: number
  /** Kaiser window beta. Default 8 (~ -80 dB stopband). */
  kaiserBeta?: number
  /** Cutoff as a fraction of the lower Nyquist. Default 0.9 (stopband starts at that Nyquist). */
  cutoff?: number
}

const MAX_PHASES = 4096

/**
 * The 2:1 decimator (48 -> 24 kHz, 32 -> 16 kHz, 16 -> 8 kHz ...) with default options: a Kaiser
 * windowed half-band FIR. Its response is symmetric about the output Nyquist (-6 dB there), so
 * every tap at an even distance from the centre is zero and the centre is exactly 1/2: each output
 * costs HALF_BAND_K multiplies, against 108 for the general kernel at this ratio. Measured at
 * 48 -> 24 kHz: within 0.0003 dB from 0 to 10 kHz (the general kernel: 0.0026 dB to 9.7 kHz,
 * -0.15 dB at 10 kHz), -0.7 dB at 11 kHz (general: -10 dB), and at least 89 dB down from 14.3 kHz
 * (general: 81 dB from 12 kHz). The price of the half-band shape: input between 12 and 14.3 kHz
 * folds into 9.7 - 12 kHz, attenuated by 6 dB (at 12 kHz) to 89 dB (at 14.3 kHz); nothing folds
 * below 9.7 kHz.
 */
const HALF_BAND_K = 16 // runHalfBand is unrolled for exactly this many taps
const HALF_BAND_BETA = 9

function halfBandTaps(k: number, beta: number): Float64Array {
  // g[j] is the tap at distance +-(2j + 1) from the centre; the centre tap is 0.5.
  const g = new Float64Array(k)
  const span = 2 * k // the window reaches zero at distance 2k
  const i0beta = besselI0(beta)
  let sum = 0
  for (let j = 0; j < k; j++) {
    const d = 2 * j + 1
    const x = d / span
    const arg = (Math.PI * d) / 2
    g[j] = ((0.5 * Math.sin(arg)) / arg) * (besselI0(beta * Math.sqrt(1 - x * x)) / i0beta)
    sum += 2 * (g[j] as number)
  }
  // Exact unity gain at DC (centre 0.5 plus both sides 0.5), and so exactly -6 dB at Nyquist.
  for (let j = 0; j < k; j++) g[j] = ((g[j] as number) * 0.5) / sum
  return g
}

/**
 * Streaming band-limited resampler: a polyphase windowed-sinc (Kaiser) FIR for any pair of integer
 * rates. The low-pass sits below the lower of the two Nyquist frequencies, so downsampling does not
 * alias and upsampling does not image. Exact 2:1 downsampling with default options uses a
 * half-band FIR instead (see HALF_BAND_K above): flat to 10 kHz at 48 -> 24 kHz and more than
 * 89 dB of alias rejection below 9.7 kHz, at a seventh of the cost. State (history and fractional
 * position) is kept across calls, so feeding a signal in chunks of any size gives exactly the
 * output of feeding it at once. Output is aligned with input (no time shift); it lags by
 * `latencySamples` input samples, which `flush()` releases at the end of a stream.
 */
export class Resampler {
  readonly inRate: number
  readonly outRate: number
  /** Input samples the resampler must see ahead before it can produce an output. */
  readonly latencySamples: number
  private readonly up: number // L
  private readonly down: number // M
  private readonly phases: number
  private readonly taps: number
  /** Input samples an output needs before its position (history) and after it (lookahead). */
  private readonly pre: number
  private readonly post: number
  private readonly table: Float32Array
  /** Half-band taps for the 2:1 path (null otherwise). */
  private readonly halfBand: Float64Array | null
  private buf: Float64Array // input as doubles (exact): V8 reads these faster than float32
  private bufLen: number
  private index: number // integer input index (into buf) of the next output
  private acc: number // fractional position numerator, 0..up-1
  private readonly passthrough: boolean

  constructor(inRate: number, outRate: number, options: ResamplerOptions = {}) {
    if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
      throw new RangeError(`Sample rates must be positive integers (got ${inRate} -> ${outRate}).`)
    }
    this.inRate = inRate
    this.outRate = outRate
    const g = gcd(inRate, outRate)
    this.up = outRate / g
    this.down = inRate / g
    this.passthrough = inRate === outRate
    const defaults = options.zeroCrossings === undefined && options.kaiserBeta === undefined && options.cutoff === undefined
    if (this.up === 1 && this.down === 2 && defaults) {
      this.halfBand = halfBandTaps(HALF_BAND_K, HALF_BAND_BETA)
      this.pre = 2 * HALF_BAND_K - 1
      this.post = 2 * HALF_BAND_K - 1
      this.taps = 0
      this.phases = 1
      this.table = new Float32Array(0)
    } else {
      this.halfBand = null
      const zeroCrossings = options.zeroCrossings ?? 24
      const beta = options.kaiserBeta ?? 8
      // Cutoff relative to the input Nyquist.
      const c = (options.cutoff ?? 0.9) * Math.min(1, outRate / inRate)
      const half = this.passthrough ? 0 : Math.ceil(zeroCrossings / c)
      this.taps = 2 * half
      this.pre = Math.max(0, half - 1)
      this.post = half
      this.phases = Math.min(this.up, MAX_PHASES)
      this.table = new Float32Array(this.phases * this.taps)
      const i0beta = besselI0(beta)
      for (let p = 0; p < this.phases; p++) {
        const frac = p / this.phases
        let sum = 0
        for (let k = 0; k < this.taps; k++) {
          // tap k multiplies x[index - half + 1 + k]; distance from the output position:
          const d = frac + half - 1 - k
          const x = d / half
          let v = 0
          if (Math.abs(x) <= 1) {
            const arg = Math.PI * c * d
            const sinc = d === 0 ? 1 : Math.sin(arg) / arg
            v = c * sinc * (besselI0(beta * Math.sqrt(1 - x * x)) / i0beta)
          }
          this.table[p * this.taps + k] = v
          sum += v
        }
        // Exact unity gain at DC for every phase.
        if (sum !== 0) for (let k = 0; k < this.taps; k++) this.table[p * this.taps + k]! /= sum
      }
    }
    this.latencySamples = this.post
    this.buf = new Float64Array(Math.max(4096, (this.pre + this.post) * 4))
    this.bufLen = this.pre // history: zeros before the first sample
    this.index = this.bufLen
    this.acc = 0
  }

  /**
   * Resamples one chunk; returns what can be produced so far (may be empty): a new array, or, when
   * `out` is given and has room, a subarray of `out` (no allocation: a new typed array costs
   * about as much as resampling 20 samples in V8). `maxOutput(input.length)` is always enough room.
   */
  process(input: Float32Array, out?: Float32Array): Float32Array {
    if (this.passthrough) {
      if (out && out.length >= input.length) {
        out.set(input)
        return out.subarray(0, input.length)
      }
      return input.slice()
    }
    this.append(input)
    return this.drain(Infinity, out)
  }

  /** Most outputs one `process` call can return for `inputLength` samples. */
  maxOutput(inputLength: number): number {
    if (this.passthrough) return inputLength
    return Math.ceil(((inputLength + this.post + this.pre + 2) * this.up) / this.down) + 2
  }

  /** Resamples PCM16 in, PCM16 out. */
  processInt16(input: Int16Array): Int16Array {
    return floatToInt16(this.process(int16ToFloat(input)))
  }

  /** Ends the stream: pads with silence so the last input samples come out. */
  flush(): Float32Array {
    if (this.passthrough) return new Float32Array(0)
    // Only outputs whose position lies inside the real input are wanted.
    const pad = this.post + 1
    this.append(new Float32Array(pad))
    return this.drain(this.bufLen - pad) // (append may have moved the buffer's contents)
  }

  /** Clears all state (a new stream). */
  reset(): void {
    this.buf.fill(0)
    this.bufLen = this.pre
    this.index = this.bufLen
    this.acc = 0
  }

  /** Number of output samples `n` input samples produce in the long run. */
  expectedOutput(n: number): number {
    return Math.floor((n * this.up) / this.down)
  }

  private append(input: Float32Array): void {
    if (this.bufLen + input.length > this.buf.length) {
      // Drop input no future output needs (only when out of room: one copy per few thousand
      // samples rather than one per call).
      const keepFrom = Math.max(0, Math.min(this.index - this.pre, this.bufLen))
      if (keepFrom > 0) {
        this.buf.copyWithin(0, keepFrom, this.bufLen)
        this.bufLen -= keepFrom
        this.index -= keepFrom
      }
      const need = this.bufLen + input.length
      if (need > this.buf.length) {
        const next = new Float64Array(Math.max(need, this.buf.length * 2))
        next.set(this.buf.subarray(0, this.bufLen))
        this.buf = next
      }
    }
    this.buf.set(input, this.bufLen)
    this.bufLen += input.length
  }

  /** Produces every output whose position is below `end` and whose lookahead has arrived. */
  private drain(end: number, into?: Float32Array): Float32Array {
    const stop = Math.min(this.bufLen - this.post, end) // index + post must be < bufLen
    const available = stop - this.index
    // At most this many outputs (exact for the half-band path).
    const most = available <= 0 ? 0 : this.halfBand ? (available + 1) >> 1 : Math.ceil(((available + 1) * this.up) / this.down) + 1
    const out = into && into.length >= most ? into : new Float32Array(most)
    const n = this.halfBand ? this.runHalfBand(this.halfBand, stop, out) : this.runPolyphase(stop, out)
    return n === out.length ? out : out.subarray(0, n)
  }

  private runHalfBand(g: Float64Array, stop: number, out: Float32Array): number {
    const buf = this.buf
    let i = this.index
    const count = i < stop ? (stop - i + 1) >> 1 : 0
    // Unrolled for HALF_BAND_K = 16, taps in locals: y = x[i] / 2 + sum over j of
    // g[j] * (x[i - 1 - 2j] + x[i + 1 + 2j]). Four outputs per pass share their odd-offset inputs
    // (35 loads instead of 4 * 33): about twice as fast in V8 as one output per pass, which itself
    // is about twice as fast as a loop over a tap array. The one-output loop after it computes the
    // same expression in the same order (so chunking does not change a single bit).
    const g0 = g[0] as number, g1 = g[1] as number, g2 = g[2] as number, g3 = g[3] as number
    const g4 = g[4] as number, g5 = g[5] as number, g6 = g[6] as number, g7 = g[7] as number
    const g8 = g[8] as number, g9 = g[9] as number, g10 = g[10] as number, g11 = g[11] as number
    const g12 = g[12] as number, g13 = g[13] as number, g14 = g[14] as number, g15 = g[15] as number
    let n = 0
    for (; n + 3 < count; n += 4, i += 8) {
      // o<k> = x[i - 31 + 2k]
      const o0 = buf[i - 31] as number
      const o1 = buf[i - 29] as number
      const o2 = buf[i - 27] as number
      const o3 = buf[i - 25] as number
      const o4 = buf[i - 23] as number
      const o5 = buf[i - 21] as number
      const o6 = buf[i - 19] as number
      const o7 = buf[i - 17] as number
      const o8 = buf[i - 15] as number
      const o9 = buf[i - 13] as number
      const o10 = buf[i - 11] as number
      const o11 = buf[i - 9] as number
      const o12 = buf[i - 7] as number
      const o13 = buf[i - 5] as number
      const o14 = buf[i - 3] as number
      const o15 = buf[i - 1] as number
      const o16 = buf[i + 1] as number
      const o17 = buf[i + 3] as number
      const o18 = buf[i + 5] as number
      const o19 = buf[i + 7] as number
      const o20 = buf[i + 9] as number
      const o21 = buf[i + 11] as number
      const o22 = buf[i + 13] as number
      const o23 = buf[i + 15] as number
      const o24 = buf[i + 17] as number
      const o25 = buf[i + 19] as number
      const o26 = buf[i + 21] as number
      const o27 = buf[i + 23] as number
      const o28 = buf[i + 25] as number
      const o29 = buf[i + 27] as number
      const o30 = buf[i + 29] as number
      const o31 = buf[i + 31] as number
      const o32 = buf[i + 33] as number
      const o33 = buf[i + 35] as number
      const o34 = buf[i + 37] as number
      out[n] =
        0.5 * (buf[i] as number) +
        g0 * (o15 + o16) +
        g1 * (o14 + o17) +
        g2 * (o13 + o18) +
        g3 * (o12 + o19) +
        g4 * (o11 + o20) +
        g5 * (o10 + o21) +
        g6 * (o9 + o22) +
        g7 * (o8 + o23) +
        g8 * (o7 + o24) +
        g9 * (o6 + o25) +
        g10 * (o5 + o26) +
        g11 * (o4 + o27) +
        g12 * (o3 + o28) +
        g13 * (o2 + o29) +
        g14 * (o1 + o30) +
        g15 * (o0 + o31)
      out[n + 1] =
        0.5 * (buf[i + 2] as number) +
        g0 * (o16 + o17) +
        g1 * (o15 + o18) +
        g2 * (o14 + o19) +
        g3 * (o13 + o20) +
        g4 * (o12 + o21) +
        g5 * (o11 + o22) +
        g6 * (o10 + o23) +
        g7 * (o9 + o24) +
        g8 * (o8 + o25) +
        g9 * (o7 + o26) +
        g10 * (o6 + o27) +
        g11 * (o5 + o28) +
        g12 * (o4 + o29) +
        g13 * (o3 + o30) +
        g14 * (o2 + o31) +
        g15 * (o1 + o32)
      out[n + 2] =
        0.5 * (buf[i + 4] as number) +
        g0 * (o17 + o18) +
        g1 * (o16 + o19) +
        g2 * (o15 + o20) +
        g3 * (o14 + o21) +
        g4 * (o13 + o22) +
        g5 * (o12 + o23) +
        g6 * (o11 + o24) +
        g7 * (o10 + o25) +
        g8 * (o9 + o26) +
        g9 * (o8 + o27) +
        g10 * (o7 + o28) +
        g11 * (o6 + o29) +
        g12 * (o5 + o30) +
        g13 * (o4 + o31) +
        g14 * (o3 + o32) +
        g15 * (o2 + o33)
      out[n + 3] =
        0.5 * (buf[i + 6] as number) +
        g0 * (o18 + o19) +
        g1 * (o17 + o20) +
        g2 * (o16 + o21) +
        g3 * (o15 + o22) +
        g4 * (o14 + o23) +
        g5 * (o13 + o24) +
        g6 * (o12 + o25) +
        g7 * (o11 + o26) +
        g8 * (o10 + o27) +
        g9 * (o9 + o28) +
        g10 * (o8 + o29) +
        g11 * (o7 + o30) +
        g12 * (o6 + o31) +
        g13 * (o5 + o32) +
        g14 * (o4 + o33) +
        g15 * (o3 + o34)
    }
    for (; n < count; n++, i += 2) {
      out[n] =
        0.5 * (buf[i] as number) +
        g0 * ((buf[i - 1] as number) + (buf[i + 1] as number)) +
        g1 * ((buf[i - 3] as number) + (buf[i + 3] as number)) +
        g2 * ((buf[i - 5] as number) + (buf[i + 5] as number)) +
        g3 * ((buf[i - 7] as number) + (buf[i + 7] as number)) +
        g4 * ((buf[i - 9] as number) + (buf[i + 9] as number)) +
        g5 * ((buf[i - 11] as number) + (buf[i + 11] as number)) +
        g6 * ((buf[i - 13] as number) + (buf[i + 13] as number)) +
        g7 * ((buf[i - 15] as number) + (buf[i + 15] as number)) +
        g8 * ((buf[i - 17] as number) + (buf[i + 17] as number)) +
        g9 * ((buf[i - 19] as number) + (buf[i + 19] as number)) +
        g10 * ((buf[i - 21] as number) + (buf[i + 21] as number)) +
        g11 * ((buf[i - 23] as number) + (buf[i + 23] as number)) +
        g12 * ((buf[i - 25] as number) + (buf[i + 25] as number)) +
        g13 * ((buf[i - 27] as number) + (buf[i + 27] as number)) +
        g14 * ((buf[i - 29] as number) + (buf[i + 29] as number)) +
        g15 * ((buf[i - 31] as number) + (buf[i + 31] as number))
    }
    this.index = i
    return count
  }

  private runPolyphase(stop: number, out: Float32Array): number {
    const { pre, taps, table, up, down, phases } = this
    const buf = this.buf
    let n = 0
    let index = this.index
    let acc = this.acc
    while (index < stop) {
      const phase = phases === up ? acc : Math.floor((acc * phases) / up)
      const base = phase * taps
      const start = index - pre
      // Four independent accumulators (taps is even): about twice as fast as one in V8.
      let s0 = 0
      let s1 = 0
      let s2 = 0
      let s3 = 0
      let k = 0
      for (; k + 3 < taps; k += 4) {
        const x = start + k
        const h = base + k
        s0 += (buf[x] as number) * (table[h] as number)
        s1 += (buf[x + 1] as number) * (table[h + 1] as number)
        s2 += (buf[x + 2] as number) * (table[h + 2] as number)
        s3 += (buf[x + 3] as number) * (table[h + 3] as number)
      }
      for (; k < taps; k++) s0 += (buf[start + k] as number) * (table[base + k] as number)
      out[n++] = s0 + s1 + s2 + s3
      acc += down
      if (acc >= up) {
        index += Math.floor(acc / up)
        acc %= up
      }
    }
    this.index = index
    this.acc = acc
    return n
  }
}

// ---------------------------------------------------------------------------------------------
// Framer
// ---------------------------------------------------------------------------------------------

/** Samples in one frame of `ms` milliseconds at `rate` (20 ms at 24 kHz = 480). */
export function frameSamples(rate: number, ms = 20): number {
  return Math.round((rate * ms) / 1000)
}

/**
 * Accumulates PCM16 samples and yields exact fixed-size frames (20 ms by default); the remainder
 * waits for the next push. Each yielded frame is its own copy (safe to transfer).
 */
export class PcmFramer {
  readonly frameSize: number
  private pending: Int16Array
  private pendingLen = 0

  constructor(rate: number, ms = 20) {
    this.frameSize = frameSamples(rate, ms)
    if (this.frameSize <= 0) throw new RangeError('Frame size must be at least one sample.')
    this.pending = new Int16Array(this.frameSize)
  }

  push(samples: Int16Array): Int16Array[] {
    // Called once per render quantum (a few dozen samples): copy with a plain loop instead of a
    // subarray view per call, and allocate the result only when a frame completes.
    let frames: Int16Array[] | null = null
    const n = samples.length
    let offset = 0
    while (offset < n) {
      const take = Math.min(this.frameSize - this.pendingLen, n - offset)
      const pending = this.pending
      const at = this.pendingLen - offset
      for (let i = offset, end = offset + take; i < end; i++) pending[at + i] = samples[i] as number
      this.pendingLen += take
      offset += take
      if (this.pendingLen === this.frameSize) {
        ;(frames ??= []).push(pending)
        this.pending = new Int16Array(this.frameSize)
        this.pendingLen = 0
      }
    }
    return frames ?? []
  }

  /** Samples waiting for a full frame. */
  get buffered(): number {
    return this.pendingLen
  }

  /** The partial last frame, padded with silence to a full frame (null if nothing is waiting). */
  flush(): Int16Array | null {
    if (this.pendingLen === 0) return null
    const frame = this.pending
    this.pending = new Int16Array(this.frameSize)
    this.pendingLen = 0
    return frame
  }

  reset(): void {
    this.pending.fill(0)
    this.pendingLen = 0
  }
}
