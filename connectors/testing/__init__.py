"""Testing helpers shipped to connector authors: the contract suite (``contract.py``) every
connector passes and the stateful fake trackers (``fakes/``) it runs against."""
