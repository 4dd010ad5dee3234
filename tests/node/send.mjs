// A Node.js app traced with the OpenTelemetry SDK, exporting to `tracy receive` over OTLP/HTTP.
//   node send.mjs URL json|proto
// Prints one JSON line: the spans it sent, as the SDK's own protobuf encoding of the same spans
// (base64), and the export result, so that a test can compare them with what was received.
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';

const [url, protocol] = process.argv.slice(2);
if (!url || !['json', 'proto'].includes(protocol)) {
  console.error('usage: node send.mjs URL json|proto');
  process.exit(2);
}
const exporter = protocol === 'json' ? new JsonExporter({ url }) : new ProtoExporter({ url });
const memory = new InMemorySpanExporter();
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': `node-${protocol}`, 'deployment.environment': 'test' }),
  spanProcessors: [new SimpleSpanProcessor(memory)],
});
const tracer = provider.getTracer('node-agent', '1.2.3', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });

const first = tracer.startSpan('invoke_agent travel', { kind: SpanKind.INTERNAL });
first.end();
tracer.startActiveSpan('invoke_agent planner', { kind: SpanKind.SERVER, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' } }, (root) => {
  const ctx = trace.setSpan(context.active(), root);
  const chat = tracer.startSpan('chat gpt-4o', {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 812, 'gen_ai.usage.output_tokens': 97, 'gen_ai.request.temperature': 0.25,
      'gen_ai.response.finish_reasons': ['stop'], 'server.port': 443, 'app.flags': [true, false], 'app.sizes': [1, 2, 3],
    },
    links: [{ context: first.spanContext(), attributes: { 'link.reason': 'follows' } }],
  }, ctx);
  chat.addEvent('retry', { 'retry.attempt': 1, 'retry.reason': 'rate limited' });
  chat.end();
  const tool = tracer.startSpan('execute_tool get_weather', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather' } }, ctx);
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'weather service timed out' });
  tool.recordException(new Error('timed out after 30 s'));
  tool.end();
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
});

const spans = memory.getFinishedSpans();
const result = await new Promise((resolve) => exporter.export(spans, resolve));
await exporter.shutdown();
await provider.shutdown();
const sent = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)).toString('base64');
console.log(JSON.stringify({ code: result.code, error: result.error ? String(result.error) : null, count: spans.length, sent }));
