from entrypoints.ioc.container import make_container

__all__ = ["make_container"]
