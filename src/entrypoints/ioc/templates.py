"""Bindings of templates: the repository, the reader of renders (cached on PostgreSQL),
the Jinja2 renderer (one per process, for its cache of compiled templates) and the use
cases."""

from dishka import Provider, Scope, from_context, provide
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.cachetools.templates import CachingTemplateReader, TemplateCache
from adapters.jinja2.templates import JinjaTemplateRenderer
from adapters.sql.dialect import SqlDialect
from adapters.sql.direct_pool import DirectPool
from adapters.sql.templates import PostgresTemplateReader, SqlTemplateRepository
from application.ports.templates import TemplateReader, TemplateRenderer, TemplateRepository
from application.templates.delete_locale import DeleteTemplateLocale
from application.templates.delete_template import DeleteTemplate
from application.templates.get_template import GetTemplate
from application.templates.list_templates import ListTemplates
from application.templates.render_template import RenderTemplate
from application.templates.save_locale import SaveTemplateLocale
from application.templates.save_template import SaveTemplate
from domain.templates import TemplateLimits
from entrypoints.settings import TemplatesSettings


class TemplatesProvider(Provider):
    scope = Scope.REQUEST

    settings = from_context(provides=TemplatesSettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def limits(self, settings: TemplatesSettings) -> TemplateLimits:
        return TemplateLimits(
            max_part_bytes=settings.max_bytes,
            max_rendered_bytes=settings.max_rendered_bytes,
            max_steps=settings.max_steps,
        )

    @provide(scope=Scope.APP)
    def renderer(self, limits: TemplateLimits, settings: TemplatesSettings) -> TemplateRenderer:
        return JinjaTemplateRenderer(limits, settings.cache_size)

    @provide(scope=Scope.APP)
    def cache(self, settings: TemplatesSettings) -> TemplateCache:
        return TemplateCache(settings.read_cache_seconds)

    @provide
    def templates(
        self, session: AsyncSession, dialect: SqlDialect, cache: TemplateCache
    ) -> TemplateRepository:
        return SqlTemplateRepository(session, dialect, cache)

    @provide
    def reader(
        self, reads: DirectPool | None, templates: TemplateRepository, cache: TemplateCache
    ) -> TemplateReader:
        # The direct pool is open exactly on PostgreSQL (ioc.infrastructure), where
        # renders read committed templates through the cache; SQLite reads in the session.
        if reads is None:
            return templates
        return CachingTemplateReader(PostgresTemplateReader(reads), cache)

    save_template = provide(SaveTemplate)
    get_template = provide(GetTemplate)
    list_templates = provide(ListTemplates)
    delete_template = provide(DeleteTemplate)
    save_locale = provide(SaveTemplateLocale)
    delete_locale = provide(DeleteTemplateLocale)
    render_template = provide(RenderTemplate)
