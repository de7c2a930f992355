/** The `ws` package behind the core's SocketLike interface (the CLI's socket). */
import WebSocket from 'ws'
import type { SocketFactory, SocketLike } from '../shared/s2s/types'

export const wsSocketFactory: SocketFactory = (url, protocols) => {
  const socket = new WebSocket(url, protocols.length ? protocols : undefined, {
    handshakeTimeout: 15_000,
    perMessageDeflate: false,
  })
  socket.binaryType = 'arraybuffer'
  return socket as unknown as SocketLike
}
