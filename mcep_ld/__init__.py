"""mcep-ld: the linked-data metadata hub of the Minamata Convention Exchange Platform."""

__version__ = "0.1.0"
