"""Installing translations: clipdesk's own (resources/translations/clipdesk_<locale>.qm) and Qt's
(standard buttons and file dialogs). Switching at run time sends every widget a LanguageChange event,
which makes each pane re-translate itself.

After changing visible strings (``tests/gui/test_translations.py`` fails until this is done)::

    pyside6-lupdate clipdesk/gui/*.py -ts resources/translations/clipdesk_zh_CN.ts -no-obsolete -locations none
    pyside6-lupdate clipdesk/gui/*.py -ts resources/translations/clipdesk_en.ts -pluralonly -no-obsolete \
        -locations none          # English keeps only plural forms ("1 photo", "2 photos")
    # translate the new entries (Qt Linguist, or edit the .ts), then:
    pyside6-lrelease resources/translations/clipdesk_zh_CN.ts resources/translations/clipdesk_en.ts
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from clipdesk.resource_files import resource_path

LANGUAGE_NAME = "clipdesk-language"  # objectName of the translators we install, to find them again


def locale_for(language: str) -> QLocale:
    """``system`` follows the user's locale (``QLocale()``, which tests can set with ``setDefault``)."""
    return QLocale() if language in ("", "system") else QLocale(language)


def apply_language(app: QCoreApplication, language: str) -> bool:
    """Replace installed translators with those for ``language``; False when clipdesk has no
    translation for it (English is used then, with its plural forms)."""
    for old in app.findChildren(QTranslator, LANGUAGE_NAME):
        app.removeTranslator(old)
        old.deleteLater()
    locale = locale_for(language)
    folder = str(resource_path("translations"))
    ours = QTranslator(app)
    ours.setObjectName(LANGUAGE_NAME)
    found = ours.load(locale, "clipdesk", "_", folder)
    if not found:
        ours.load("clipdesk_en", folder)  # English plurals ("1 photo", "2 photos")
    app.installTranslator(ours)
    if found and not ours.language().startswith("en"):
        qt = QTranslator(app)  # Qt's own strings: standard buttons, file dialogs
        qt.setObjectName(LANGUAGE_NAME)
        if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
    return found
