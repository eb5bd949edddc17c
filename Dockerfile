# ecoach in a container: polling mode, settings from the environment, data in the /data volume.
#   docker build -t ecoach . && docker run --env-file ecoach.env -v ecoach-data:/data ecoach
FROM python:3.11-slim
RUN useradd --system --create-home --home-dir /home/ecoach ecoach && mkdir /data && chown ecoach: /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY conversations ./conversations
COPY db ./db
COPY handlers ./handlers
COPY devtools ./devtools
RUN pip install --no-cache-dir .
USER ecoach
ENV ECOACH_DATA_DIR=/data
VOLUME ["/data"]
CMD ["sh", "-c", "ecoach db upgrade && exec ecoach run"]
