import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IServerError } from './logic';

/**
 * An error response of the nbpromote server extension, read from the one error body of DESIGN
 * decision 6 (`{"error": {code, message, hint, override, details}}`); status 0 and code
 * `unreachable` when no response came at all.
 */
export class NbpromoteAPIError extends Error implements IServerError {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string = 'unknown',
    readonly hint: string | null = null,
    readonly override: string | null = null,
    readonly details: Record<string, any> = {}
  ) {
    super(message);
  }

  /** The lint findings that blocked an export (code `lint-errors`), if any. */
  get findings(): any[] | undefined {
    return Array.isArray(this.details.findings) ? this.details.findings : undefined;
  }

  /** True when the server could not be reached at all. */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

/**
 * Call the nbpromote server extension: `/nbpromote/<endpoint>`, JSON in and out. Uses the
 * server connection of JupyterLab, so the token and XSRF cookie go with every request.
 *
 * @throws NbpromoteAPIError with the server's error body and HTTP status.
 */
export async function requestAPI<T>(endpoint: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'nbpromote', endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new NbpromoteAPIError(0, 'The Jupyter server cannot be reached.', 'unreachable');
  }
  const text = await response.text();
  let data: any = null;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = data && typeof data.error === 'object' && data.error ? data.error : {};
    const message =
      typeof error.message === 'string' && error.message
        ? error.message
        : `The server answered ${response.status} ${response.statusText}.`;
    throw new NbpromoteAPIError(
      response.status,
      message,
      typeof error.code === 'string' ? error.code : `http-${response.status}`,
      typeof error.hint === 'string' ? error.hint : null,
      typeof error.override === 'string' ? error.override : null,
      error.details && typeof error.details === 'object' ? error.details : {}
    );
  }
  return data as T;
}

/** POST a JSON body to an endpoint. */
export function postAPI<T>(endpoint: string, body: Record<string, unknown>): Promise<T> {
  return requestAPI<T>(endpoint, { method: 'POST', body: JSON.stringify(body) });
}
