"""The words of the pages in the six UN languages. A missing translation falls back to English."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "hub": {"en": "Minamata Convention Exchange Platform", "fr": "Plateforme d'échange de la Convention de Minamata",
            "es": "Plataforma de intercambio del Convenio de Minamata", "ru": "Платформа обмена Минаматской конвенции",
            "ar": "منصة تبادل اتفاقية ميناماتا", "zh": "水俣公约交流平台"},
    "search": {"en": "Search", "fr": "Rechercher", "es": "Buscar", "ru": "Поиск", "ar": "بحث", "zh": "搜索"},
    "search_label": {"en": "Search the records", "fr": "Rechercher dans les fiches", "es": "Buscar en los registros",
                     "ru": "Поиск по записям", "ar": "البحث في السجلات", "zh": "搜索记录"},
    "records": {"en": "records", "fr": "fiches", "es": "registros", "ru": "записей", "ar": "سجلات", "zh": "条记录"},
    "results": {"en": "Results", "fr": "Résultats", "es": "Resultados", "ru": "Результаты", "ar": "النتائج",
                "zh": "结果"},
    "no_results": {"en": "No record matches.", "fr": "Aucune fiche ne correspond.",
                   "es": "Ningún registro coincide.", "ru": "Нет подходящих записей.", "ar": "لا توجد سجلات مطابقة.",
                   "zh": "没有匹配的记录。"},
    "themes": {"en": "Themes", "fr": "Thèmes", "es": "Temas", "ru": "Темы", "ar": "المواضيع", "zh": "主题"},
    "countries": {"en": "Countries", "fr": "Pays", "es": "Países", "ru": "Страны", "ar": "البلدان", "zh": "国家"},
    "regions": {"en": "Regions", "fr": "Régions", "es": "Regiones", "ru": "Регионы", "ar": "المناطق", "zh": "区域"},
    "kinds": {"en": "Kinds of record", "fr": "Types de fiche", "es": "Tipos de registro", "ru": "Виды записей",
              "ar": "أنواع السجلات", "zh": "记录类型"},
    "sources": {"en": "Sources", "fr": "Sources", "es": "Fuentes", "ru": "Источники", "ar": "المصادر", "zh": "来源"},
    "years": {"en": "Years", "fr": "Années", "es": "Años", "ru": "Годы", "ar": "السنوات", "zh": "年份"},
    "languages": {"en": "Languages", "fr": "Langues", "es": "Idiomas", "ru": "Языки", "ar": "اللغات", "zh": "语言"},
    "provenance": {"en": "Provenance", "fr": "Provenance", "es": "Procedencia", "ru": "Происхождение",
                   "ar": "المصدر", "zh": "来源信息"},
    "harvested": {"en": "harvested", "fr": "moissonné", "es": "recolectado", "ru": "собрано", "ar": "تم الحصاد",
                  "zh": "采集于"},
    "validation": {"en": "validation", "fr": "validation", "es": "validación", "ru": "проверка", "ar": "التحقق",
                   "zh": "验证"},
    "placed": {"en": "Placed by the classifier", "fr": "Classement automatique", "es": "Clasificación automática",
               "ru": "Автоматическая классификация", "ar": "التصنيف الآلي", "zh": "自动分类"},
    "placed_note": {"en": "Machine placements on the Convention's themes, products and processes, with what led to"
                          " them. A curator may accept or reject each.",
                    "fr": "Classement automatique selon les thèmes, produits et procédés de la Convention, avec ce qui"
                          " l'a motivé. Un conservateur peut accepter ou rejeter chacun.",
                    "es": "Clasificación automática según los temas, productos y procesos del Convenio, con lo que la"
                          " motivó. Un curador puede aceptar o rechazar cada una.",
                    "ru": "Автоматическая привязка к темам, продуктам и процессам Конвенции с указанием оснований."
                          " Куратор может принять или отклонить каждую.",
                    "ar": "تصنيف آلي حسب مواضيع الاتفاقية ومنتجاتها وعملياتها، مع ما أدى إليه. ويمكن للقيّم قبول"
                          " كل تصنيف أو رفضه.",
                    "zh": "按公约的主题、产品和工艺自动分类，并附依据。管理员可逐项接受或拒绝。"},
    "score": {"en": "score", "fr": "score", "es": "puntuación", "ru": "оценка", "ar": "الدرجة", "zh": "得分"},
    "accepted": {"en": "accepted by a curator", "fr": "accepté par un conservateur", "es": "aceptado por un curador",
                 "ru": "принято куратором", "ar": "قبله القيّم", "zh": "已由管理员接受"},
    "unreviewed": {"en": "not reviewed", "fr": "non vérifié", "es": "sin revisar", "ru": "не проверено",
                   "ar": "لم تتم مراجعته", "zh": "未审核"},
    "files": {"en": "Files", "fr": "Fichiers", "es": "Archivos", "ru": "Файлы", "ar": "الملفات", "zh": "文件"},
    "related": {"en": "Related", "fr": "Liens", "es": "Relacionado", "ru": "Связанные", "ar": "ذو صلة", "zh": "相关"},
    "details": {"en": "All statements", "fr": "Toutes les déclarations", "es": "Todas las declaraciones",
                "ru": "Все утверждения", "ar": "جميع البيانات", "zh": "全部陈述"},
    "other_formats": {"en": "Other formats", "fr": "Autres formats", "es": "Otros formatos", "ru": "Другие форматы",
                      "ar": "صيغ أخرى", "zh": "其他格式"},
    "downloads": {"en": "Downloads", "fr": "Téléchargements", "es": "Descargas", "ru": "Загрузки",
                  "ar": "التنزيلات", "zh": "下载"},
    "dashboard": {"en": "Dashboard", "fr": "Tableau de bord", "es": "Panel", "ru": "Панель", "ar": "لوحة المعلومات",
                  "zh": "仪表板"},
    "vocabularies": {"en": "Vocabularies", "fr": "Vocabulaires", "es": "Vocabularios", "ru": "Словари",
                     "ar": "المفردات", "zh": "词表"},
    "data": {"en": "Data and services", "fr": "Données et services", "es": "Datos y servicios",
             "ru": "Данные и сервисы", "ar": "البيانات والخدمات", "zh": "数据与服务"},
    "previous": {"en": "Previous", "fr": "Précédent", "es": "Anterior", "ru": "Назад", "ar": "السابق", "zh": "上一页"},
    "next": {"en": "Next", "fr": "Suivant", "es": "Siguiente", "ru": "Далее", "ar": "التالي", "zh": "下一页"},
    "filter": {"en": "Refine", "fr": "Affiner", "es": "Refinar", "ru": "Уточнить", "ar": "تنقيح", "zh": "筛选"},
    "clear": {"en": "Clear filters", "fr": "Effacer les filtres", "es": "Quitar filtros", "ru": "Сбросить фильтры",
              "ar": "مسح عوامل التصفية", "zh": "清除筛选"},
    "language_choice": {"en": "Language", "fr": "Langue", "es": "Idioma", "ru": "Язык", "ar": "اللغة", "zh": "语言"},
    "holds": {"en": "The hub holds", "fr": "La plateforme contient", "es": "La plataforma contiene",
              "ru": "Платформа содержит", "ar": "تحتوي المنصة على", "zh": "平台收录"},
    "runs": {"en": "Harvest runs", "fr": "Moissonnages", "es": "Recolecciones", "ru": "Сборы данных",
             "ar": "عمليات الحصاد", "zh": "采集运行"},
    "quarantine": {"en": "In quarantine", "fr": "En quarantaine", "es": "En cuarentena", "ru": "В карантине",
                   "ar": "في الحجر", "zh": "隔离中"},
}
LANGUAGE_NAMES = {"ar": "العربية", "en": "English", "es": "Español", "fr": "Français", "ru": "Русский", "zh": "中文"}


def message(key: str, lang: str) -> str:
    texts = MESSAGES[key]
    return texts.get(lang) or texts["en"]
