import { describe, expect, it } from 'vitest';
import { formatTraceParent, parseTraceParent } from '../../src/telemetry/trace-parent.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('W3C traceparent', () => {
  it('formats and parses a sampled span context', () => {
    const value = formatTraceParent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    expect(value).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(parseTraceParent(value)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
  });

  it('keeps an unsampled decision', () => {
    expect(parseTraceParent(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags).toBe(0);
  });

  it.each([
    ['empty', ''],
    ['another version', `01-${TRACE_ID}-${SPAN_ID}-01`],
    ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['short span id', `00-${TRACE_ID}-00f067aa-01`],
    ['trailing data', `00-${TRACE_ID}-${SPAN_ID}-01-extra`],
  ])('refuses a malformed value (%s)', (_label, value) => {
    expect(parseTraceParent(value)).toBeUndefined();
  });
});
