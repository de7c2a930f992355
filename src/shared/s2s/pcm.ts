/**
 * PCM utilities for the speech-to-speech core: sample format conversion, PCM16 <-> base64 without
 * Buffer, a streaming band-limited resampler and a fixed-size framer. Pure TypeScript (no DOM, no
 * Node): the same code runs in the capture worklet's host page, in main and in the CLI.
 */

// ---------------------------------------------------------------------------------------------
// Sample formats
// ---------------------------------------------------------------------------------------------

/** Float samples in [-1, 1] -> PCM16 (clamped, rounded; -1 -> -32768, 1 -> 32767). */
export function floatToInt16(input: Float32Array, out?: Int16Array): Int16Array {
  const result = out && out.length >= input.length ? out : new Int16Array(input.length)
  for (let i = 0; i < input.length; i++) {
    let s = input[i] as number
    if (s !== s) s = 0 // NaN
    else if (s < -1) s = -1
    else if (s > 1) s = 1
    result[i] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff)
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
const ASCII = new TextDecoder('latin1')

/** Bytes -> standard base64 (with padding). */
export function bytesToBase64(bytes: Uint8Array): string {
  const len = bytes.length
  const out = new Uint8Array(Math.ceil(len / 3) * 4)
  let o = 0
  let i = 0
  for (; i + 2 < len; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out[o++] = B64_ENC[n >>> 18] as number
    out[o++] = B64_ENC[(n >>> 12) & 63] as number
    out[o++] = B64_ENC[(n >>> 6) & 63] as number
    out[o++] = B64_ENC[n & 63] as number
  }
  const rest = len - i
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0)
    out[o++] = B64_ENC[n >>> 18] as number
    out[o++] = B64_ENC[(n >>> 12) & 63] as number
    out[o++] = rest === 2 ? (B64_ENC[(n >>> 6) & 63] as number) : 61
    out[o++] = 61
  }
  return ASCII.decode(out)
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
 * Streaming band-limited resampler: a polyphase windowed-sinc (Kaiser) FIR for any pair of integer
 * rates. The low-pass sits below the lower of the two Nyquist frequencies, so downsampling does not
 * alias and upsampling does not image. State (history and fractional position) is kept across
 * calls, so feeding a signal in chunks of any size gives exactly the output of feeding it at once.
 * Output is aligned with input (no time shift); it lags by `latencySamples` input samples, which
 * `flush()` releases at the end of a stream.
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
  private readonly half: number
  private readonly table: Float32Array
  private buf: Float32Array
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
    const zeroCrossings = options.zeroCrossings ?? 24
    const beta = options.kaiserBeta ?? 8
    // Cutoff relative to the input Nyquist.
    const c = (options.cutoff ?? 0.9) * Math.min(1, outRate / inRate)
    const half = this.passthrough ? 0 : Math.ceil(zeroCrossings / c)
    this.half = half
    this.taps = 2 * half
    this.latencySamples = half
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
    this.buf = new Float32Array(Math.max(4096, this.taps * 4))
    this.bufLen = Math.max(0, half - 1) // history: zeros before the first sample
    this.index = this.bufLen
    this.acc = 0
  }

  /** Resamples one chunk; returns what can be produced so far (may be empty). */
  process(input: Float32Array): Float32Array {
    if (this.passthrough) return input.slice()
    this.append(input)
    return this.drain()
  }

  /** Resamples PCM16 in, PCM16 out. */
  processInt16(input: Int16Array): Int16Array {
    return floatToInt16(this.process(int16ToFloat(input)))
  }

  /** Ends the stream: pads with silence so the last input samples come out. */
  flush(): Float32Array {
    if (this.passthrough) return new Float32Array(0)
    // Only outputs whose position lies inside the real input are wanted.
    const realEnd = this.bufLen
    this.append(new Float32Array(this.half + 1))
    const out = this.drain(realEnd)
    return out
  }

  /** Clears all state (a new stream). */
  reset(): void {
    this.buf.fill(0)
    this.bufLen = Math.max(0, this.half - 1)
    this.index = this.bufLen
    this.acc = 0
  }

  /** Number of output samples `n` input samples produce in the long run. */
  expectedOutput(n: number): number {
    return Math.floor((n * this.up) / this.down)
  }

  private append(input: Float32Array): void {
    const need = this.bufLen + input.length
    if (need > this.buf.length) {
      const next = new Float32Array(Math.max(need, this.buf.length * 2))
      next.set(this.buf.subarray(0, this.bufLen))
      this.buf = next
    }
    this.buf.set(input, this.bufLen)
    this.bufLen += input.length
  }

  private drain(limit?: number): Float32Array {
    const { half, taps, table, up, down, phases } = this
    const buf = this.buf
    const lastNeeded = this.bufLen - half // index + half must be < bufLen
    const available = lastNeeded - this.index
    const maxOut = available <= 0 ? 0 : Math.ceil(((available + 1) * up) / down) + 1
    const out = new Float32Array(maxOut)
    let n = 0
    let index = this.index
    let acc = this.acc
    const end = limit ?? Infinity
    while (index < lastNeeded && index < end) {
      const phase = phases === up ? acc : Math.floor((acc * phases) / up)
      const base = phase * taps
      const start = index - half + 1
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
    // Drop input no future output needs.
    const keepFrom = Math.max(0, Math.min(this.index - half + 1, this.bufLen))
    if (keepFrom > 0) {
      this.buf.copyWithin(0, keepFrom, this.bufLen)
      this.bufLen -= keepFrom
      this.index -= keepFrom
    }
    return out.subarray(0, n)
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
    const frames: Int16Array[] = []
    let offset = 0
    while (offset < samples.length) {
      const take = Math.min(this.frameSize - this.pendingLen, samples.length - offset)
      this.pending.set(samples.subarray(offset, offset + take), this.pendingLen)
      this.pendingLen += take
      offset += take
      if (this.pendingLen === this.frameSize) {
        frames.push(this.pending)
        this.pending = new Int16Array(this.frameSize)
        this.pendingLen = 0
      }
    }
    return frames
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
