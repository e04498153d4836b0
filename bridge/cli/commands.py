"""Every command module; importing one registers its commands onto ``bridge.cli.app.app``."""

from bridge.cli import auth as auth
from bridge.cli import clients as clients
from bridge.cli import config_check as config_check
from bridge.cli import config_example as config_example
from bridge.cli import daemon as daemon
from bridge.cli import demo as demo
from bridge.cli import discover as discover
from bridge.cli import init as init
from bridge.cli import invoice as invoice
from bridge.cli import outbox as outbox
from bridge.cli import report as report
from bridge.cli import status as status
from bridge.cli import sync as sync
from bridge.cli import web as web
