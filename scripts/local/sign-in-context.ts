/**
 * What an app does before each sign-in: `POST /sign-in-context` on the HTTP API, answered with a
 * context signed by the endpoint (IP and user agent as API Gateway saw the request). Its
 * `clientMetadata` goes unchanged into SignUp, InitiateAuth and RespondToAuthChallenge.
 */
export async function fetchSignInContext(
  httpEndpoint: string,
  request: { username: string; clientId: string; deviceId?: string },
  userAgent: string,
): Promise<Record<string, string>> {
  const answer = await fetch(`${httpEndpoint}/sign-in-context`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': userAgent },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await answer.json()) as { clientMetadata?: Record<string, string> };
  if (answer.status !== 200 || !body.clientMetadata)
    throw new Error(`POST /sign-in-context answered ${answer.status}: ${JSON.stringify(body)}`);
  return body.clientMetadata;
}
