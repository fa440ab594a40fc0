// The bench's command line (bench/options.ts): what --only selects, and which runs stand for the
// project's figures.
import { describe, expect, it } from 'vitest';
import { isReferenceRun, measuresRow, parseBenchOptions, resultsPath, runsScenario } from '../../bench/options.js';

const only = (names: string) => parseBenchOptions(['--quick', '--only', names]);

describe('--only', () => {
  it('selects the scenarios a name begins', () => {
    const options = only('client');
    expect(runsScenario(options, 'client_credentials')).toBe(true);
    expect(measuresRow(options, 'client_credentials')).toBe(true);
    expect(measuresRow(options, 'client_credentials_pipeline')).toBe(true);
    expect(runsScenario(options, 'introspect_api_key')).toBe(false);
  });

  it('runs the scenario of a row it names, and of its rows only that one', () => {
    const options = only('client_credentials_pipeline');
    expect(runsScenario(options, 'client_credentials')).toBe(true);
    expect(measuresRow(options, 'client_credentials_pipeline')).toBe(true);
    expect(measuresRow(options, 'client_credentials')).toBe(false);
    expect(runsScenario(options, 'refresh_token')).toBe(false);
  });

  it('runs every verify row under "verify" when one of them is named', () => {
    expect(runsScenario(only('verify_jwt'), 'verify')).toBe(true);
    expect(runsScenario(only('verify'), 'verify')).toBe(true);
    expect(runsScenario(only('refresh_token,introspect_api_key'), 'verify')).toBe(false);
  });

  it('selects everything without it', () => {
    const options = parseBenchOptions(['--quick']);
    expect(runsScenario(options, 'authorize_flow')).toBe(true);
    expect(measuresRow(options, 'client_credentials_pipeline')).toBe(true);
  });
});

describe('which runs write the figures', () => {
  it('is the whole full bench only', () => {
    expect(isReferenceRun(parseBenchOptions([]))).toBe(true);
    expect(resultsPath(parseBenchOptions([]))).toBe('bench/results.json');
    expect(isReferenceRun(parseBenchOptions(['--only', 'refresh_token']))).toBe(false);
    expect(resultsPath(parseBenchOptions(['--only', 'refresh_token']))).toBe('bench/results-partial.json');
    expect(resultsPath(parseBenchOptions(['--quick']))).toBe('bench/results-quick.json');
    expect(isReferenceRun(parseBenchOptions(['--processes', '1']))).toBe(false);
  });
});
