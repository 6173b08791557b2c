'use strict';

// Starts a throwaway Unleash 6 server for the integration tests.
//
// Environment:
//   HTTP_PORT               TCP port to listen on (required)
//   HTTP_HOST               address to bind, default 127.0.0.1
//   DATABASE_URL            postgres:// URL of an empty database that this server may migrate (required)
//   INIT_ADMIN_API_TOKENS   admin tokens created on first start, e.g. "*:*.<secret>" (required)
//   INIT_CLIENT_API_TOKENS  client tokens created on first start, e.g. "default:development.<secret>" (required)
//   LOG_LEVEL               debug, info, warn or error, default info
//
// unleash-server reads the two INIT_* variables itself while it builds its config.

// createConfig() in unleash-server 6.10.1 evaluates `options.telemetry || SEND_TELEMETRY`, so the
// `telemetry: false` option below is not enough on its own. The version check, which would call
// an Unleash-hosted URL, is off through the `versionCheck` option.
process.env.SEND_TELEMETRY = 'false';

const { start } = require('unleash-server');

const REQUIRED_VARIABLES = [
    'HTTP_PORT',
    'DATABASE_URL',
    'INIT_ADMIN_API_TOKENS',
    'INIT_CLIENT_API_TOKENS',
];

function readPort(text) {
    const port = Number.parseInt(text, 10);
    if (!Number.isInteger(port) || port < 1 || port > 65535 || String(port) !== text.trim()) {
        throw new Error(`HTTP_PORT must be an integer from 1 to 65535, got ${JSON.stringify(text)}`);
    }
    return port;
}

async function main() {
    const missing = REQUIRED_VARIABLES.filter((name) => !process.env[name]);
    if (missing.length > 0) {
        throw new Error(`missing environment variables: ${missing.join(', ')}`);
    }

    const port = readPort(process.env.HTTP_PORT);
    const host = process.env.HTTP_HOST || '127.0.0.1';

    const unleash = await start({
        databaseUrl: process.env.DATABASE_URL,
        // The tests run PostgreSQL on the loopback interface without TLS.
        db: { ssl: false },
        server: {
            host,
            port,
            unleashUrl: `http://${host}:${port}`,
        },
        authentication: {
            // API tokens from INIT_*_API_TOKENS are the only credentials the tests use.
            createAdminUser: false,
        },
        versionCheck: { enable: false },
        telemetry: false,
        logLevel: process.env.LOG_LEVEL || 'info',
    });

    console.log(`unleash-server ${unleash.version} listening on http://${host}:${port}`);
}

main().catch((error) => {
    console.error('unleash-server failed to start:', error);
    process.exit(1);
});
