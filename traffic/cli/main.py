"""The `traffic` command."""
from __future__ import annotations

from pathlib import Path

import typer

from traffic import migrate
from traffic.cli import (
    cameras,
    config,
    dataset,
    db,
    demo_seed,
    detect,
    evidence,
    ingest,
    model,
    plate,
    report,
    retention,
    users,
    webhooks,
    worker,
)
from traffic.cli.context import domain_errors, echo, fail, load_settings, open_engine
from traffic.db import make_session_factory
from traffic.errors import Conflict
from traffic.logs import configure_logging

DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
DEMO_CAMERA = "CAM-001"
# A Monday in the morning peak, after the grace period: the demo footage yields penalties on 人民路.
DEMO_START = "2023-07-03T07:58:00+08:00"

app = typer.Typer(
    help="交通秩序执法记录系统 — traffic-order enforcement records for tricycles and unplated four-wheelers.",
    no_args_is_help=True,
)
app.add_typer(db.app, name="db")
app.add_typer(config.app, name="config")
app.add_typer(ingest.app, name="ingest")
app.add_typer(detect.app)
app.add_typer(plate.app, name="plate", help="Chinese plate reading.")
app.add_typer(model.app, name="model", help="Train, evaluate, export, register and activate YOLO models.")
app.add_typer(dataset.app, name="dataset")
app.add_typer(evidence.app, name="evidence")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(cameras.app, name="cameras")
app.add_typer(users.app, name="users")
app.add_typer(retention.app, name="retention")
app.command("worker")(worker.worker_command)
app.command("report")(report.report_command)


def require_evidence_font(settings) -> None:
    """Refuse to start without a font for evidence overlays, instead of failing at the first record."""
    from traffic.services.evidence_font import find_cjk_font

    with domain_errors():
        echo(f"evidence font: {find_cjk_font(settings.cjk_font)}")


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate", help="upgrade the schema before serving"),
) -> None:
    """Serve the API (and, in the embedded default, its workers)."""
    import uvicorn

    from traffic.app import create_app

    settings = load_settings()
    configure_logging(settings)
    require_evidence_font(settings)
    engine = open_engine(settings)
    if migrate_first:
        migrate.upgrade(engine)
    from traffic.workers.webhook_dispatch import start_dispatcher_thread

    start_dispatcher_thread(settings, make_session_factory(engine))
    # log_config=None: uvicorn's own lines go through configure_logging's handler (JSON, request id, masking).
    uvicorn.run(create_app(settings, engine=engine, run_workers=True), host=host, port=port, log_config=None)


demo_app = typer.Typer(help="The demo: `traffic demo` runs it; `traffic demo seed` adds history.")
app.add_typer(demo_app, name="demo")
demo_app.command("seed")(demo_seed.seed_command)
DEMO_HISTORY_RECORDS = 1500


@demo_app.callback(invoke_without_command=True)
def demo_command(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="start the server after preparing the demo"),
    video: bool = typer.Option(True, "--video/--no-video", help="run the demo footage through the pipeline"),
    history: bool = typer.Option(True, "--history/--no-history", help="add months of history for the statistics"),
) -> None:
    """Load the demo city, create a demo admin and reviewer, add history, run the demo footage into records, serve.

    The accounts' password is TRAFFIC_DEMO_PASSWORD, or a random one printed once. Refused in production.
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    if settings.env == "production":
        fail("traffic demo refuses to run with TRAFFIC_ENV=production (it creates accounts with known names)")
    require_evidence_font(settings)
    engine = open_engine(settings)
    migrate.upgrade(engine)
    with domain_errors():
        report = config.apply_city_file(engine, DEMO_DIR / "city.yaml", prune=False)
    echo(f"demo city: {report.summary()}")
    users.print_demo_logins(settings, engine)
    if history:
        try:
            echo(f"demo history: {demo_seed.seed_demo(settings, DEMO_HISTORY_RECORDS)}")
        except Conflict:
            echo("demo history: already there")
        echo(f"dashboard over the history: http://{host}:{port}{demo_seed.history_dashboard_path(settings)}")
    if video:
        echo(f"demo footage: {DEMO_DIR / 'demo.mp4'} as camera {DEMO_CAMERA} from {DEMO_START}")
        ingest.video_command(path=DEMO_DIR / "demo.mp4", camera=DEMO_CAMERA, start=DEMO_START, stride=1)
    if serve:
        echo(f"API: http://{host}:{port}/docs")
        serve_command(host=host, port=port, migrate_first=False)


if __name__ == "__main__":
    app()
