"""Node class names of PolySynergy's own node packs, as literals.

Read from dionsnoeijen/polysynergy-nodes (the ``section/`` node files, and the
``<Class>_README.md`` files of the other node folders, which the pack names after their
classes) and from polysynergy-nodes-agno (every class deriving from ``Node`` or
``ServiceNode``). Code generation names each class ``<class name><version suffix>`` in one
module per flow, so a content node must never share one of these names.
"""

POLYSYNERGY_NODES_SECTION = {
    "SectionCreate", "SectionCreateMany", "SectionDelete", "SectionList", "SectionQuery", "SectionRead",
    "SectionToPydanticModel", "SectionUpdate", "SectionUpsert",
}

POLYSYNERGY_NODES_OTHER = {
    # base64, boolean, cast
    "DecodeBase64", "EncodeBase64", "BooleanAnd", "BooleanNot", "BooleanOr", "BooleanXor", "BytesToString",
    "DictJoin", "DictToString", "StringToBytes", "StringToDict", "StringToFloat", "StringToInt",
    # chat_window, collection, comparison, conditional, csv
    "ChatWindow", "ArrayGet", "DictGet", "Length", "ComparisonEqual", "ComparisonLargerThan",
    "ComparisonNotEqual", "ComparisonSmallerThan", "IfThenElse", "IsNotEmpty", "Switch", "CsvFilterRows",
    "CsvSelectColumns", "CsvToJson", "CsvToList", "ListToCsv",
    # date, date_time, dict, dynamodb, email, environment
    "Now", "AddTime", "ConvertTimezone", "DateDifference", "FixedWindow", "FormatDateTime", "LocalizeDateTime",
    "ParseDateTime", "SubtractTime", "Timeout", "DictPop", "KeyValueStoreSet", "EmailAttachment",
    "SendEmailEnhanced", "SendEmail", "VariableEnvironment",
    # file, http, human_in_loop, image, json
    "BlobToTmp", "DownloadFile", "FileSelection", "FileStorage", "FileType", "UploadFromData", "UploadFromUI",
    "HttpRequest", "HttpResponse", "ConfirmReject", "CropImage", "GenerateImage", "ImageEffects", "ResizeImage",
    "JsonCombine", "JsonQuery", "JsonSwitch", "JsonValidator",
    # jump, jwt, keyvalue
    "BreakLoop", "ContinueLoop", "ExitFlow", "Jump", "ListLoop", "LoopEnd", "Loop", "To", "JWTGenerator",
    "CollectionCheck", "CollectionGetAll", "CollectionGet", "CollectionRemoveAll", "CollectionRemove",
    "CollectionSet", "GetAllKeys", "KeyValueGetCollection", "KeyValueGetValue", "KeyValueSetCollection",
    "KeyValueSetValue", "KeyValueStoreGet", "ValueCheck", "ValueGet", "ValueRemove", "ValueSet",
    # list
    "AggregateList", "AppendInsertItem", "ChunkList", "CompareLists", "ContainsList", "CountList", "FilterList",
    "FlattenList", "GetFirstItem", "GetItemByIndex", "GetLastItem", "GroupBy", "JoinList", "ListToKeyedObjects",
    "MergeLists", "RemoveItem", "ReverseList", "SliceList", "SortList", "UniqueList", "WrapListValues",
    "ZipInject",
    # math
    "Average", "Count", "MathAbsolute", "MathAdd", "MathCeil", "MathClamp", "MathDivide", "MathFloor",
    "MathModulus", "MathMultiply", "MathPower", "MathRound", "MathSubtract", "MinMax",
    # mock, string, variable
    "MockChatWindow", "MockRouteRequest", "MockSchedule",
    "StringCase", "StringContains", "StringEndsWith", "StringFormat", "StringIndexOf", "StringJoin",
    "StringLength", "StringPad", "StringRegex", "StringRepeat", "StringReplace", "StringReverse", "StringSplit",
    "StringStartsWith", "StringSubstring", "StringTemplate", "StringTrim",
    "VariableDict", "VariableFloat", "VariableInteger", "VariableJson", "VariableList", "VariableRichText",
    "VariableString",
    # the flow's entry points and agent plumbing named in PolySynergy's runtime
    "Route", "Schedule", "Play", "Prompt", "Barrier",
}

POLYSYNERGY_NODES_AGNO = {
    "AgentSettingsContext", "AgentSettingsHistory", "AgentSettingsKnowledge", "AgentSettingsMemory",
    "AgentSettingsMessaging", "AgentSettingsReasoning", "AgentSettingsResponseModel", "AgentSettingsSession",
    "AgentSettingsStorage", "AgentSettingsStreaming", "AgentSettingsTeam", "AgentSettingsTools",
    "AgentSettingsWorkflow", "AgenticChunkingNode", "AgnoAgent", "AgnoPathTool", "AgnoTeam", "AgnoToolResult",
    "AxrivTool", "ChatHTML", "DocumentChunkingNode", "DocumentKnowledge", "DuckDuckGoTool", "DynamoDbDatabase",
    "ExaTool", "FixedSizeChunkingNode", "GoogleMapsTool", "GoogleSearchTool", "HackerNewsTool", "JSONKnowledge",
    "LanceDBVectorDB", "MCPTool", "MarkdownChunkingNode", "ModelAnthropic", "ModelAzure", "ModelGoogle",
    "ModelGroq", "ModelHuggingFace", "ModelMistral", "ModelOllama", "ModelOpenAi", "OpenAIEmbedderNode",
    "OpenAIModerationGuardrailNode", "PIIDetectionGuardrailNode", "PostgreSQLDatabase",
    "PromptInjectionGuardrailNode", "QdrantVectorDB", "RecursiveChunkingNode", "RowChunkingNode",
    "SectionPgVectorVectorDB", "SemanticChunkingNode", "SqliteDatabase", "TeamSettingsContext",
    "TeamSettingsHistory", "TeamSettingsKnowledge", "TeamSettingsMemory", "TeamSettingsReasoning",
    "TeamSettingsSession", "TeamSettingsStorage", "TeamSettingsStreaming", "TeamSettingsStructuredOutput",
    "TeamSettingsSystemMessage", "TeamSettingsTeamHistory", "TeamSettingsTeamTools", "TeamSettingsTools", "XTool",
    "YFinanceTool",
}

POLYSYNERGY_CLASS_NAMES = POLYSYNERGY_NODES_SECTION | POLYSYNERGY_NODES_OTHER | POLYSYNERGY_NODES_AGNO
