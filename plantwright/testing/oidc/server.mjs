// A real OpenID provider for Plantwright's sign-in tests (npm oidc-provider, pinned in package.json).
// Its people and their groups are read from the JSON file OIDC_ACCOUNTS at every sign-in, so a test
// takes a group away by rewriting the file. Login is oidc-provider's development form (any password).
import { readFileSync } from "node:fs";
import { Provider } from "oidc-provider";

const env = process.env;
const issuer = `http://127.0.0.1:${env.OIDC_PORT}`;
const accounts = () => JSON.parse(readFileSync(env.OIDC_ACCOUNTS, "utf8"));

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env.OIDC_CLIENT_ID,
      client_secret: env.OIDC_CLIENT_SECRET,
      redirect_uris: [env.OIDC_REDIRECT_URI],
      post_logout_redirect_uris: [env.OIDC_POST_LOGOUT_URI],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  pkce: { required: () => true }, // a sign-in without PKCE is refused: the test proves we send it
  scopes: ["openid", "email", "profile", "groups"],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["preferred_username", "given_name", "family_name", "name"],
    groups: ["groups"],
  },
  cookies: { keys: ["plantwright-test-only"] },
  async findAccount(ctx, id) {
    const person = accounts()[id];
    if (!person) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, email_verified: true, ...person }) };
  },
});
provider.on("server_error", (ctx, error) => console.error("server_error", error));
provider.listen(Number(env.OIDC_PORT), "127.0.0.1", () => console.log(`listening on ${issuer}`));
