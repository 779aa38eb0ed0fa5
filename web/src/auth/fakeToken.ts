// For tests only: a JWT-shaped token with these claims and a dummy signature. The app reads a
// token's claims without checking its signature (the server does), so this signs a reader in.
export function fakeToken(claims: object): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}
