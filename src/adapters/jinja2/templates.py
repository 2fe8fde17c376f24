"""Templates in Jinja2's immutable sandbox, with the size and work of a render bounded.

What a template may do is narrowed at three points:

- **At save time** (`check`): the source must compile, read no attribute or key that
  starts with "_" (the road to `__class__`, `__globals__`, `__mro__`), and use no
  include, import or extends (there is nothing to load). Unknown filters do not compile:
  only a list of filters that cannot blow up their input is registered.
- **While rendering**: the sandbox refuses unsafe attributes and anything that would
  change a value; only a few harmless methods may be called (`dict.items`, `str.upper`,
  ...); `cycler`, `joiner`, `namespace` and `lipsum` are gone, so the only global is a
  bounded `range`.
- **Bounded work, without threads**: one budget of steps per render
  (`TemplateLimits.max_steps`) pays for every item a `for` loop takes (its iterable is
  wrapped in a counter at compile time), every call (a macro's as ten, a method's in
  proportion to its value), every number `range` makes, and every filter in proportion
  to its input (an item, or 64 characters). No value a
  render builds (`*`, `+`, `~`, `join`) may pass `max_rendered_bytes`, `**` is held to
  4096-bit results and `%` formatting of strings is refused; output is checked as it
  is produced and cut off past `max_rendered_bytes`. A render therefore ends after a
  bounded number of steps, each of bounded size.

HTML parts autoescape what they insert; text parts (SMS, subject, plain text) do not.
Values are strict: reading one that is not there fails the render, and says which one it
was (`recipient.phone`), so that the user is told in their terms rather than Jinja's.
Compiled templates are kept in a bounded LRU cache keyed by source.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, cast

from jinja2 import StrictUndefined, TemplateError, UndefinedError, meta, nodes, pass_eval_context
from jinja2 import Template as JinjaTemplate
from jinja2.exceptions import SecurityError, TemplateRuntimeError
from jinja2.filters import do_join
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, LoopContext, Macro, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing
from jinja2.visitor import NodeTransformer

from application.ports.templates import MissingValue
from domain.errors import InvalidValue
from domain.templates import TemplateLimits

# Filters that return at most about as much as they are given.
_FILTERS = frozenset(
    {
        "abs", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first",
        "float", "forceescape", "groupby", "int", "items", "join", "last", "length", "list",
        "lower", "map", "max", "min", "reject", "rejectattr", "reverse", "round", "select",
        "selectattr", "sort", "string", "striptags", "sum", "title", "tojson", "trim",
        "truncate", "unique", "upper", "urlencode", "wordcount",
    }
)  # fmt: skip
# Methods a template may call on the values it is given (JSON: dicts, lists, strings).
_METHODS = {
    dict: frozenset({"items", "keys", "values", "get"}),
    str: frozenset(
        {"upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip", "startswith",
         "endswith", "split", "isdigit", "isalpha"}
    ),
    LoopContext: frozenset({"cycle", "changed"}),
}  # fmt: skip
_LOOP_BOUND = "__herald_bounded"
_CONCAT = "__herald_concat"
_NO_LOADING = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)
_MAX_POWER_BITS = 4096
_MACRO_STEPS = 10  # a macro call costs about as much as ten loop items


class _Budget:
    __slots__ = ("left",)

    def __init__(self, steps: int) -> None:
        self.left = steps


_budget: ContextVar[_Budget] = ContextVar("template_budget")


def _spend(steps: int = 1) -> None:
    budget = _budget.get()
    budget.left -= steps
    if budget.left < 0:
        raise SecurityError("the template does too much work for one render")


def _size(value: object) -> int:
    """The work a filter does on `value`, in steps: an item of a collection, or 64
    characters of a string (a generator's items were counted where they were made)."""
    if isinstance(value, str):
        return len(value) // 64
    return len(value) if isinstance(value, list | tuple | dict | set | range) else 0


def _charged(f: Callable[..., Any]) -> Callable[..., Any]:
    """`f`, drawing from the budget in proportion to its input, so that a filter in a loop
    (`items|sort` for every item) cannot multiply the work the loop bound allows."""
    value_at = 0 if getattr(f, "jinja_pass_arg", None) is None else 1

    @functools.wraps(f)  # copies `jinja_pass_arg` too: Jinja still passes the context
    def charged(*args: Any, **kwargs: Any) -> Any:
        _spend(1 + (_size(args[value_at]) if len(args) > value_at else 0))
        return f(*args, **kwargs)

    return charged


def _bounded(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        _spend()
        yield item


class _Unset(UndefinedError):
    """A read of a value that is not there: `name` read from `owner` (`missing`: a
    variable read by its name)."""

    def __init__(self, message: str | None, *, owner: object, name: str | None) -> None:
        super().__init__(message)
        self.owner = owner
        self.name = name


class _Undefined(StrictUndefined):
    """StrictUndefined whose error keeps what was read from what, so that a render can
    say which value is missing (`recipient.phone`) rather than "'dict object' has no
    attribute 'phone'". Every way StrictUndefined fails raises its `exc`."""

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = missing,
        name: str | None = None,
        exc: type[TemplateRuntimeError] = UndefinedError,
    ) -> None:
        super().__init__(hint, obj, name, exc)
        self._undefined_exception = cast(
            type[UndefinedError], functools.partial(_Unset, owner=obj, name=name)
        )


def _missing_path(unset: _Unset, variables: Mapping[str, object]) -> str | None:
    """What `unset` read, from a variable: `name`, or `variable.name`; None deeper, or
    when the value read from is held by more than one variable (`1` may well be)."""
    if unset.name is None:
        return None
    if unset.owner is missing:
        return unset.name
    owners = [k for k, v in variables.items() if v is unset.owner]
    return f"{owners[0]}.{unset.name}" if len(owners) == 1 else None


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, limits: TemplateLimits, *, html: bool) -> None:
        super().__init__(
            autoescape=html,
            undefined=_Undefined,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=0,  # the renderer keeps its own cache, by source
        )
        self._limits = limits
        kept = {name: f for name, f in self.filters.items() if name in _FILTERS}
        self.filters = {name: _charged(f) for name, f in (kept | {"join": self._join}).items()}
        self.globals = {"range": self._range, _LOOP_BOUND: _bounded, _CONCAT: self._concat}
        self._helpers = (self._range, _bounded, self._concat)

    def _fits(self, size: int) -> None:
        """No value a template builds is larger than a whole rendered part may be."""
        if size > self._limits.max_rendered_bytes:
            raise SecurityError("the template builds a value past the output limit")
        _spend(size // 64)  # building it is work, as a filter's is

    def _range(self, *args: int) -> range:
        numbers = range(*args)
        if len(numbers) > self._limits.max_steps:
            raise SecurityError(f"range() is limited to {self._limits.max_steps} items")
        _spend(len(numbers))
        return numbers

    def _concat(self, *values: Any) -> str:
        texts = [v if isinstance(v, str) else str(v) for v in values]
        self._fits(sum(map(len, texts)))
        return markup_join(values) if self.autoescape else str_join(values)

    @pass_eval_context
    def _join(
        self, eval_ctx: EvalContext, value: Iterable[Any], d: str = "", attribute: Any = None
    ) -> str:
        items = list(value)
        self._fits(len(d) * len(items))
        joined: str = do_join(eval_ctx, items, d, attribute)
        self._fits(len(joined))
        return joined

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("formatting strings with % is not available in templates")
        if operator == "*":
            sized, times = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(sized, str | list | tuple) and isinstance(times, int):
                self._fits(len(sized) * times)
        if operator == "+" and isinstance(left, str | list | tuple) and hasattr(right, "__len__"):
            self._fits(len(left) + len(right))
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and abs(left).bit_length() * right > _MAX_POWER_BITS
        ):
            raise SecurityError("the template computes too large a number")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        # A method pays for the value it works on; a macro for its own weight.
        owner = getattr(__obj, "__self__", None)
        _spend(_MACRO_STEPS if isinstance(__obj, Macro) else 1 + _size(owner))
        if not __self._may_call(__obj):
            name = getattr(__obj, "__name__", type(__obj).__name__)
            raise SecurityError(f"calling {name}() is not available in templates")
        return super().call(__context, __obj, *args, **kwargs)

    def _may_call(self, obj: Any) -> bool:
        if isinstance(obj, Macro | LoopContext) or obj in self._helpers:
            return True
        owner = getattr(obj, "__self__", None)
        allowed = next((names for kind, names in _METHODS.items() if isinstance(owner, kind)), ())
        return getattr(obj, "__name__", None) in allowed


class _Bounding(NodeTransformer):
    """Every `for` loop draws its items through the render's budget, and every `~`
    checks the size of what it builds."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _helper(_LOOP_BOUND, [cast(nodes.Expr, node.iter)], node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _helper(_CONCAT, node.nodes, node.lineno)


def _helper(name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
    return nodes.Call(nodes.Name(name, "load"), args, [], None, None, lineno=lineno)


def _refuse_private(tree: nodes.Template) -> None:
    for variable in tree.find_all(nodes.Name):
        if variable.name == "self" or variable.name.startswith("_"):
            raise InvalidValue(f"'{variable.name}' is not available in templates")
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, *_NO_LOADING)):
        if isinstance(node, _NO_LOADING):
            raise InvalidValue("include, import and extends are not available in templates")
        if isinstance(node, nodes.Getattr):
            name: object = node.attr
        else:
            name = _constant(cast(nodes.Getitem, node).arg)
        if isinstance(name, str) and name.startswith("_"):
            raise InvalidValue(f"'{name}': names starting with _ are not available in templates")


def _constant(node: nodes.Node) -> object:
    return node.value if isinstance(node, nodes.Const) else None


class JinjaTemplateRenderer:
    def __init__(self, limits: TemplateLimits, cache_size: int = 1024) -> None:
        self._limits = limits
        self._envs = {html: _BoundedSandbox(limits, html=html) for html in (False, True)}
        self._compile = functools.lru_cache(maxsize=cache_size)(self._compile_uncached)

    def check(self, source: str, *, html: bool) -> frozenset[str]:
        return self._compile(source, html)[1]

    def cache_info(self) -> functools._CacheInfo:
        """Hits, misses and size of the cache of compiled templates."""
        return self._compile.cache_info()

    def render(self, source: str, variables: Mapping[str, object], *, html: bool) -> str:
        template = self._compile(source, html)[0]
        limit = self._limits.max_rendered_bytes
        token = _budget.set(_Budget(self._limits.max_steps))
        try:
            out: list[str] = []
            size = 0
            stream = template.generate(variables)
            for chunk in stream:
                out.append(chunk)
                size += len(chunk)  # characters: a lower bound of the bytes
                if size > limit:
                    raise InvalidValue(f"renders to more than {limit} bytes")
            text = "".join(out)
        except _Unset as exc:
            raise MissingValue(_reason(exc), _missing_path(exc, variables)) from None
        except TemplateError as exc:  # the sandbox's refusals
            raise InvalidValue(_reason(exc)) from None
        except InvalidValue:
            raise
        except Exception as exc:  # whatever else the source does wrong with the data
            raise InvalidValue(f"the template failed while rendering: {str(exc)[:200]}") from None
        finally:
            _budget.reset(token)
        if len(text.encode("utf-8", "surrogatepass")) > limit:
            raise InvalidValue(f"renders to more than {limit} bytes")
        return text

    def _compile_uncached(self, source: str, html: bool) -> tuple[JinjaTemplate, frozenset[str]]:
        env = self._envs[html]
        try:
            tree = env.parse(source)
            _refuse_private(tree)
            names = frozenset(meta.find_undeclared_variables(tree))
            # Compiled here, with the tree the checks saw, so that no source is ever
            # rendered unchecked.
            return env.from_string(_Bounding().visit(tree)), names
        except TemplateError as exc:  # syntax errors, unknown filters
            raise InvalidValue(_reason(exc)) from None
        except RecursionError:
            raise InvalidValue("the template is nested too deeply") from None


def _reason(exc: TemplateError) -> str:
    line = getattr(exc, "lineno", None)
    message = exc.message or type(exc).__name__
    return f"line {line}: {message}" if line else message
