# The CSMS, the ledger bridge and the participants' services (docker-compose.yaml runs one image with their
# commands). Each runs its TypeScript through tsx, as `npm start` does, from the workspace installed by its lockfile.
#   docker build .

# The full image has the compilers that optional native modules fall back to when no prebuilt binary fits.
FROM node:20-bookworm AS build
WORKDIR /opt/chargeledger
COPY . .
RUN npm ci --no-audit --no-fund && npm run build --workspace chaincode && npm cache clean --force

FROM node:20-bookworm-slim
WORKDIR /opt/chargeledger
COPY --from=build /opt/chargeledger ./
# The data folder: the named volumes mounted below it start out owned by `node`.
RUN mkdir -p /var/lib/chargeledger/secrets /var/lib/chargeledger/bridge /var/lib/chargeledger/participants \
  && chmod 700 /var/lib/chargeledger/participants && chown -R node:node /var/lib/chargeledger
ENV CHARGELEDGER_DATA_DIR=/var/lib/chargeledger
USER node
CMD ["node", "--import", "tsx", "csms/src/main.ts"]
