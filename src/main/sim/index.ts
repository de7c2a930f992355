/**
 * Local protocol simulators (OpenAI Realtime GA, AssemblyAI Voice Agent, Speko S2S) and the
 * no-account Demo server. Node only (ws + node:http), 127.0.0.1, port 0.
 *
 *   import { startOpenAISim, startAssemblyAISim, startSpekoSim, startDemoServer } from '../main/sim'
 *   const sim = await startOpenAISim({ turns: [{ user: 'What time is it?', toolCalls: [{ name: 'get_current_time', arguments: {} }], reply: 'It is {{result}}.' }] })
 *   // point minting at sim.baseUrl with sim.apiKey (or spawn the CLI with sim.env); check sim.wire afterwards
 *   await sim.close()
 */
export { startOpenAISim, OPENAI_RATE, type OpenAISimOptions } from './openai'
export type { SimHandle, SimOptions, SimRecords, ToolResultRecord } from './common'
export type { SimScript, SimTurn, SimToolCall, SimFault, FaultPoint, TurnContext, ToolResultSeen } from './script'
export { WireLog, type WireEntry, type HttpEntry, type HandshakeEntry, type TextFrameEntry, type BinaryFrameEntry, type CloseEntry } from './wire'
export { synthesizeVoice, defaultVoiceMs, rms, silence } from './voice'
export { EnergyVad, bytesToPcm16, pcm16ToBytes, type VadEvent, type VadOptions } from './vad'
export { startAssemblyAISim, ASSEMBLYAI_RATE, type AssemblyAISimOptions } from './assemblyai'
export { startSpekoSim, type SpekoSimOptions } from './speko'
export { startDemoServer, demoTurn, DEMO_SCRIPT, DEMO_LABEL, APP_DEMO, timeFromToolOutput, outcomeOf, spokenMs, type DemoServerOptions } from './demo'
