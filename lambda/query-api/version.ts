import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { FLINK_VIEW } from './contract';

/** How long the view-version pointer is cached: a reprocessing switch is served within this time, with no deploy. */
export const VIEW_VERSION_CACHE_MS = 30_000;

/** Resolves the current Flink view name (`flink-v<N>`) from the SSM pointer, caching it for a while. */
export class ViewVersion {
  private cached?: { readonly value: string; readonly at: number };

  constructor(
    private readonly ssm: SSMClient,
    private readonly parameterName: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs: number = VIEW_VERSION_CACHE_MS,
  ) {}

  async current(): Promise<string> {
    const now = this.now();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.value;
    const out = await this.ssm.send(new GetParameterCommand({ Name: this.parameterName }));
    const value = out.Parameter?.Value?.trim() ?? '';
    // A bad pointer must not send queries to a made-up partition: it is an operator error, answered with a 500.
    if (!FLINK_VIEW.test(value)) {
      throw new Error(`parameter ${this.parameterName} holds '${value}', not a view name like flink-v1`);
    }
    this.cached = { value, at: now };
    return value;
  }
}
