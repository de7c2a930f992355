export { McpManager, defaultTransportFactory, type McpManagerOptions, type TransportFactory, type ToolGroupSink } from './manager'
export { MAX_RESULT_TEXT_CHARS } from './results'
export { loadMcpConfigFile } from './config-file'
