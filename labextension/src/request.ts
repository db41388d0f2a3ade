import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IServerError } from './logic';

/** An error response of the nbpromote server extension (or no response at all: status 0). */
export class NbpromoteAPIError extends Error implements IServerError {
  constructor(
    readonly status: number,
    message: string,
    readonly error?: string,
    readonly body: Record<string, any> = {}
  ) {
    super(message);
  }

  get findings(): any[] | undefined {
    return Array.isArray(this.body.findings) ? this.body.findings : undefined;
  }
}

/**
 * Call the nbpromote server extension: `/nbpromote/<endpoint>`, JSON in and out. Uses the
 * server connection of JupyterLab, so the token and XSRF cookie go with every request.
 *
 * @throws NbpromoteAPIError with the server's `message` and HTTP status.
 */
export async function requestAPI<T>(endpoint: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'nbpromote', endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new NbpromoteAPIError(0, `The Jupyter server cannot be reached: ${error}`);
  }
  const text = await response.text();
  let data: any = null;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text };
    }
  }
  if (!response.ok) {
    const message =
      (data && typeof data.message === 'string' && data.message) ||
      `${response.status} ${response.statusText}`;
    throw new NbpromoteAPIError(response.status, message, data?.error, data ?? {});
  }
  return data as T;
}

/** POST a JSON body to an endpoint. */
export function postAPI<T>(endpoint: string, body: Record<string, unknown>): Promise<T> {
  return requestAPI<T>(endpoint, { method: 'POST', body: JSON.stringify(body) });
}
