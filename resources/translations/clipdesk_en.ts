<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
    <context>
        <name>FileActions</name>
        <message numerus="yes">
            <source>Exported %n photo(s) to %1</source>
            <translation>
                <numerusform>Exported %n photo to %1</numerusform>
                <numerusform>Exported %n photos to %1</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>(%n not labelled yet)</source>
            <translation>
                <numerusform>(%n not labelled yet)</numerusform>
                <numerusform>(%n not labelled yet)</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Opened %n label(s) from %1</source>
            <translation>
                <numerusform>Opened %n label from %1</numerusform>
                <numerusform>Opened %n labels from %1</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Saved %n label(s) to %1</source>
            <translation>
                <numerusform>Saved %n label to %1</numerusform>
                <numerusform>Saved %n labels to %1</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>LabelEditor</name>
        <message numerus="yes">
            <source>%n label(s) too long: the model reads only the first %1 tokens.</source>
            <translation>
                <numerusform>%n label is too long: the model reads only the first %1 tokens.</numerusform>
                <numerusform>%n labels are too long: the model reads only the first %1 tokens.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n label(s)</source>
            <translation>
                <numerusform>%n label</numerusform>
                <numerusform>%n labels</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message numerus="yes">
            <source>Copied the results of %n photo(s)</source>
            <translation>
                <numerusform>Copied the results of %n photo</numerusform>
                <numerusform>Copied the results of %n photos</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>PhotoInput</name>
        <message numerus="yes">
            <source>Added %n label(s)</source>
            <translation>
                <numerusform>Added %n label</numerusform>
                <numerusform>Added %n labels</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Stopped looking for photos; %n photo(s) added</source>
            <translation>
                <numerusform>Stopped looking for photos; %n photo added</numerusform>
                <numerusform>Stopped looking for photos; %n photos added</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Added %n photo(s)</source>
            <translation>
                <numerusform>Added %n photo</numerusform>
                <numerusform>Added %n photos</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n file(s) skipped: not photos</source>
            <translation>
                <numerusform>%n file skipped: not a photo</numerusform>
                <numerusform>%n files skipped: not photos</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>PhotosPane</name>
        <message numerus="yes">
            <source>%n photo(s)</source>
            <translation>
                <numerusform>%n photo</numerusform>
                <numerusform>%n photos</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n labelled</source>
            <translation>
                <numerusform>%n labelled</numerusform>
                <numerusform>%n labelled</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n unreadable</source>
            <translation>
                <numerusform>%n unreadable</numerusform>
                <numerusform>%n unreadable</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>RankControl</name>
        <message numerus="yes">
            <source>Cancelled. %n photo(s) labelled so far.</source>
            <translation>
                <numerusform>Cancelled. %n photo labelled so far.</numerusform>
                <numerusform>Cancelled. %n photos labelled so far.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Labelled %n photo(s).</source>
            <translation>
                <numerusform>Labelled %n photo.</numerusform>
                <numerusform>Labelled %n photos.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%n could not be read: hover the red badge to see why.</source>
            <translation>
                <numerusform>%n could not be read: hover over the red badge to see why.</numerusform>
                <numerusform>%n could not be read: hover over the red badges to see why.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>%1 labels is far more than anyone reads (over %2): preparing them takes about %n minute(s) more on this computer. Cancel stops.</source>
            <translation>
                <numerusform>%1 labels is far more than anyone reads (over %2): preparing them takes about %n minute more on this computer. Cancel stops.</numerusform>
                <numerusform>%1 labels is far more than anyone reads (over %2): preparing them takes about %n minutes more on this computer. Cancel stops.</numerusform>
            </translation>
        </message>
    </context>
</TS>
