"""Every command module; importing one registers its commands onto ``bridge.app.app``."""

from bridge.commands import auth as auth
from bridge.commands import clients as clients
from bridge.commands import config_check as config_check
from bridge.commands import daemon as daemon
from bridge.commands import demo as demo
from bridge.commands import outbox as outbox
from bridge.commands import report as report
from bridge.commands import status as status
from bridge.commands import sync as sync
